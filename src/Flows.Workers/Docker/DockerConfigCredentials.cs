using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Docker.DotNet.Models;

namespace Flows.Workers.Docker;

/// <summary>Registry credentials for pulling a flow run's image.</summary>
public interface IRegistryCredentials
{
    /// <summary>The credentials for <paramref name="registry"/> (a host, e.g. <c>localhost:5001</c>), or null to pull anonymously.</summary>
    Task<AuthConfig?> GetAsync(string registry, CancellationToken cancellationToken = default);
}

/// <summary>
/// Reads credentials as the docker CLI does, from <c>$DOCKER_CONFIG/config.json</c> (default
/// <c>~/.docker/config.json</c>): <c>credHelpers</c> for the registry, then <c>auths</c> (base64
/// <c>user:password</c> or <c>username</c>/<c>password</c>), then <c>credsStore</c>. So a worker host that can
/// <c>docker pull</c> the image can run it, with nothing configured twice. Secrets are never logged.
/// </summary>
public sealed class DockerConfigCredentials(string? configPath) : IRegistryCredentials
{
    /// <summary>The docker CLI's config for this user (<c>DOCKER_CONFIG</c> honoured); absent is fine.</summary>
    public static DockerConfigCredentials FromEnvironment()
    {
        var dir = Environment.GetEnvironmentVariable("DOCKER_CONFIG") is { Length: > 0 } d
            ? d
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");
        return new DockerConfigCredentials(Path.Combine(dir, "config.json"));
    }

    public async Task<AuthConfig?> GetAsync(string registry, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(registry);
        if (configPath is null || !File.Exists(configPath))
        {
            return null;
        }

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(configPath, cancellationToken).ConfigureAwait(false));
        var root = document.RootElement;
        var keys = KeysFor(registry);
        if (root.TryGetProperty("credHelpers", out var helpers) && helpers.ValueKind == JsonValueKind.Object)
        {
            foreach (var key in keys)
            {
                if (helpers.TryGetProperty(key, out var helper) && helper.GetString() is { Length: > 0 } name)
                {
                    return await FromHelperAsync(name, key, registry, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        if (root.TryGetProperty("auths", out var auths) && auths.ValueKind == JsonValueKind.Object)
        {
            foreach (var key in keys)
            {
                if (auths.TryGetProperty(key, out var entry) && FromAuthsEntry(entry, registry) is { } found)
                {
                    return found;
                }
            }
        }

        if (root.TryGetProperty("credsStore", out var store) && store.GetString() is { Length: > 0 } storeName)
        {
            return await FromHelperAsync(storeName, keys[0], registry, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>The keys the CLI may have written for a registry (Docker Hub is stored under its v1 URL).</summary>
    private static string[] KeysFor(string registry) => registry == ImageReference.DockerHub
        ? ["https://index.docker.io/v1/", "index.docker.io", "docker.io"]
        : [registry, "https://" + registry, "http://" + registry];

    private static AuthConfig? FromAuthsEntry(JsonElement entry, string registry)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (entry.TryGetProperty("auth", out var auth) && auth.GetString() is { Length: > 0 } encoded)
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                return new AuthConfig { Username = decoded[..colon], Password = decoded[(colon + 1)..], ServerAddress = registry };
            }
        }

        if (entry.TryGetProperty("username", out var user) && entry.TryGetProperty("password", out var password))
        {
            return new AuthConfig { Username = user.GetString(), Password = password.GetString(), ServerAddress = registry };
        }

        if (entry.TryGetProperty("identitytoken", out var token) && token.GetString() is { Length: > 0 } identity)
        {
            return new AuthConfig { IdentityToken = identity, ServerAddress = registry };
        }

        return null;
    }

    /// <summary>The credential-helper protocol: <c>docker-credential-NAME get</c>, server on stdin, JSON on stdout.</summary>
    private static async Task<AuthConfig?> FromHelperAsync(string helper, string serverUrl, string registry, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("docker-credential-" + helper, "get")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = System.Diagnostics.Process.Start(start)
            ?? throw new InvalidOperationException($"{DockerDiagnosticCodes.CredentialHelperFailed}: docker-credential-{helper} did not start");
        await process.StandardInput.WriteAsync(serverUrl).ConfigureAwait(false);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            // "credentials not found" is an ordinary answer: pull anonymously, as the CLI does.
            return null;
        }

        using var answer = JsonDocument.Parse(output);
        var username = answer.RootElement.GetProperty("Username").GetString();
        var secret = answer.RootElement.GetProperty("Secret").GetString();
        return username == "<token>"
            ? new AuthConfig { IdentityToken = secret, ServerAddress = registry }
            : new AuthConfig { Username = username, Password = secret, ServerAddress = registry };
    }
}
