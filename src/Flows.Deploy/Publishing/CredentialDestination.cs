using System.Net;

namespace Flows.Deploy.Publishing;

/// <summary>
/// Where a registry's Basic credential may be sent. A <c>Bearer</c> challenge names a token realm, a URL the registry
/// chooses; docker sends the credential to whatever it names. Here it goes only to a realm on the registry's own host
/// (the host requests really go to), to Docker Hub's known realm for Docker Hub, or to a host listed in
/// <c>FLOWS_REGISTRY_TOKEN_REALMS</c> (<c>;</c>-separated host names, for registries whose token service lives
/// elsewhere); and never over plain http to a host that is not loopback, where anyone on the path could read it.
/// </summary>
public static class CredentialDestination
{
    public const string AllowedRealmsVariable = "FLOWS_REGISTRY_TOKEN_REALMS";

    /// <summary>Registry hosts whose token service is known to live on another host (Docker Hub's).</summary>
    private static readonly Dictionary<string, string> KnownRealms = new(StringComparer.OrdinalIgnoreCase)
    {
        ["registry-1.docker.io"] = "auth.docker.io",
        ["docker.io"] = "auth.docker.io",
        ["index.docker.io"] = "auth.docker.io",
    };

    /// <summary>Null when the credential may go to <paramref name="destination"/>; else why not, as a coded error with the fix.</summary>
    public static RegistryException? Refusal(string registry, Uri registryBase, Uri destination, Func<string, string?> environment)
    {
        if (destination.Scheme == Uri.UriSchemeHttp && !IsLoopback(destination.Host))
        {
            return new RegistryException(PublishDiagnosticCodes.CredentialDestinationRefused,
                $"registry {registry} would have its credentials sent over plain http to {destination.GetLeftPart(UriPartial.Authority)}; they are not sent",
                "Serve the registry (and its token service) over https; plain http is only used with credentials on loopback hosts.");
        }

        var host = destination.Host;
        if (host.Equals(registryBase.Host, StringComparison.OrdinalIgnoreCase)
            || (KnownRealms.TryGetValue(registryBase.Host, out var known) && host.Equals(known, StringComparison.OrdinalIgnoreCase))
            || (environment(AllowedRealmsVariable) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Contains(host, StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        return new RegistryException(PublishDiagnosticCodes.CredentialDestinationRefused,
            $"registry {registry} names a token service on another host ({destination.GetLeftPart(UriPartial.Path)}); its credentials are not sent there",
            $"If {host} is the registry's own token service, allow it: set {AllowedRealmsVariable}={host}.");
    }

    private static bool IsLoopback(string host) => host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
