using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

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
/// file (<c>REGISTRY_AUTH_FILE</c>, <c>$DOCKER_CONFIG/config.json</c>, <c>~/.docker/config.json</c>) with its
/// <c>auths</c>, <c>credHelpers</c> and <c>credsStore</c>. Null: anonymous.
/// </summary>
public static class RegistryCredentials
{
    public static RegistryCredential? Find(string registry, Func<string, string?> environment)
    {
        foreach (var prefix in new[] { "DOTNET_CONTAINER_PUSH_REGISTRY", "DOTNET_CONTAINER_REGISTRY", "SDK_CONTAINER_REGISTRY" })
        {
            if (environment(prefix + "_UNAME") is { Length: > 0 } user && environment(prefix + "_PWORD") is { Length: > 0 } password)
            {
                return new RegistryCredential(user, password);
            }
        }

        foreach (var file in AuthFiles(environment))
        {
            if (FromAuthFile(file, registry) is { } credential)
            {
                return credential;
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

    private static RegistryCredential? FromAuthFile(string file, string registry)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        JsonObject? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(file)) as JsonObject;
        }
        catch (JsonException)
        {
            return null; // the SDK also ignores an unreadable config rather than failing the publish
        }

        if (root?["credHelpers"] is JsonObject helpers && Lookup(helpers, registry) is JsonValue helper)
        {
            return FromHelper(helper.GetValue<string>(), registry);
        }

        if (root?["auths"] is JsonObject auths && Lookup(auths, registry) is JsonObject entry)
        {
            if (entry["auth"] is JsonValue auth && auth.GetValue<string>() is { Length: > 0 } encoded)
            {
                var text = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
                var colon = text.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    return new RegistryCredential(text[..colon], text[(colon + 1)..]);
                }
            }

            if (entry["identitytoken"] is JsonValue token)
            {
                // Docker's convention: an identity token is a refresh token presented with the user "<token>".
                return new RegistryCredential("<token>", token.GetValue<string>());
            }
        }

        return root?["credsStore"] is JsonValue store ? FromHelper(store.GetValue<string>(), registry) : null;
    }

    // Keys may be written "host", "https://host" or "http://host/v1/"; match on the host part.
    private static JsonNode? Lookup(JsonObject map, string registry) =>
        map.FirstOrDefault(p => string.Equals(HostOf(p.Key), registry, StringComparison.OrdinalIgnoreCase)).Value;

    private static string HostOf(string key)
    {
        var k = key.Contains("://", StringComparison.Ordinal) ? key[(key.IndexOf("://", StringComparison.Ordinal) + 3)..] : key;
        var slash = k.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? k : k[..slash];
    }

    private static RegistryCredential? FromHelper(string helper, string registry)
    {
        var psi = new ProcessStartInfo("docker-credential-" + helper, "get")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(psi)!;
            process.StandardInput.Write(registry);
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 || JsonNode.Parse(output) is not JsonObject o)
            {
                return null;
            }

            var user = o["Username"]?.GetValue<string>();
            var secret = o["Secret"]?.GetValue<string>();
            return user is null || secret is null ? null : new RegistryCredential(user, secret);
        }
        catch (Exception e) when (e is Win32Exception or JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
