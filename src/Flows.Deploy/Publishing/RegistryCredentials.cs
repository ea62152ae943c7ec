using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flows.Deploy.Publishing;

/// <summary>A user name and secret for one registry. <see cref="ToString"/> never shows the secret.</summary>
public sealed record RegistryCredential(string UserName, string Secret)
{
    public override string ToString() => $"{UserName}:***";
}

/// <summary>
/// Finds push credentials the way the .NET SDK's container tooling does, so one set of settings serves both the SDK's
/// base-image pull and this push: <c>DOTNET_CONTAINER_PUSH_REGISTRY_UNAME/PWORD</c>, then
/// <c>DOTNET_CONTAINER_REGISTRY_UNAME/PWORD</c> (and the older <c>SDK_CONTAINER_…</c> names), then the docker-style auth
/// files in this order: <c>REGISTRY_AUTH_FILE</c>, then <c>$DOCKER_CONFIG/config.json</c> or else
/// <c>~/.docker/config.json</c>. Each file is read by the shared <see cref="DockerAuthFile"/> (credHelpers, auths,
/// credsStore; helpers found along the environment's PATH); a file with nothing for the registry, or one that cannot be
/// used (said through the logger), passes to the next, as the SDK ignores an unreadable config rather than failing the
/// publish. Null: anonymous.
/// </summary>
public static class RegistryCredentials
{
    public static RegistryCredential? Find(string registry, Func<string, string?> environment, ILogger? logger = null)
    {
        foreach (var prefix in new[] { "DOTNET_CONTAINER_PUSH_REGISTRY", "DOTNET_CONTAINER_REGISTRY", "SDK_CONTAINER_REGISTRY" })
        {
            if (environment(prefix + "_UNAME") is { Length: > 0 } user && environment(prefix + "_PWORD") is { Length: > 0 } password)
            {
                return new RegistryCredential(user, password);
            }
        }

        logger ??= NullLogger.Instance;
        var helpers = new DockerCredentialHelper(environment("PATH") is { Length: > 0 } path ? path : null, DockerCredentialHelper.DefaultTimeout,
            message => logger.LogWarning("{Message}", message));
        foreach (var file in AuthFiles(environment))
        {
            try
            {
                // Synchronous like the rest of choosing registry access (RegistryAccessFactory.Create); the callers (the
                // MSBuild tasks, the CLI) have no synchronization context to deadlock on.
                if (DockerAuthFile.FindAsync(file, registry, helpers).GetAwaiter().GetResult() is { } found)
                {
                    return new RegistryCredential(found.UserName, found.Secret);
                }
            }
            catch (DockerAuthFileException e)
            {
                logger.LogWarning("{Problem}; looking further for credentials for {Registry}", e.Message.TrimEnd('.'), registry);
            }
        }

        return null;
    }

    private static IEnumerable<string> AuthFiles(Func<string, string?> environment)
    {
        if (environment("REGISTRY_AUTH_FILE") is { Length: > 0 } authFile)
        {
            yield return authFile;
        }

        if (environment("DOCKER_CONFIG") is { Length: > 0 } dockerConfig)
        {
            yield return Path.Combine(dockerConfig, "config.json");
        }
        else if ((environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)) is { Length: > 0 } home)
        {
            yield return Path.Combine(home, ".docker", "config.json");
        }
    }
}
