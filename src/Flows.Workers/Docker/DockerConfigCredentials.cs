using Docker.DotNet.Models;
using Flows.Shared;

namespace Flows.Workers.Docker;

/// <summary>Registry credentials for pulling a flow run's image.</summary>
public interface IRegistryCredentials
{
    /// <summary>The credentials for <paramref name="registry"/> (a host, e.g. <c>localhost:5001</c>), or null to pull anonymously.</summary>
    Task<AuthConfig?> GetAsync(string registry, CancellationToken cancellationToken = default);
}

/// <summary>
/// Reads credentials as the docker CLI does, from <c>$DOCKER_CONFIG/config.json</c> (default
/// <c>~/.docker/config.json</c>), through the shared <see cref="DockerAuthFile"/> (src/Shared): <c>credHelpers</c> for the
/// registry, then <c>auths</c> (base64 <c>user:password</c>, <c>username</c>/<c>password</c>, <c>identitytoken</c>), then
/// <c>credsStore</c>. So a worker host that can <c>docker pull</c> the image can run it, with nothing configured twice.
/// A config that cannot be read is <see cref="DockerDiagnosticCodes.DockerConfigUnreadable"/>, a helper that cannot be
/// run <see cref="DockerDiagnosticCodes.CredentialHelperFailed"/> (the run crashes saying so); a helper that does not
/// answer in time is told to <paramref name="warn"/> and the image is pulled anonymously. Secrets are never logged.
/// </summary>
/// <param name="configPath">The docker config; null or absent: anonymous pulls.</param>
/// <param name="warn">Told about a credential helper that was given up on; null: nobody.</param>
/// <param name="environment">Where <c>PATH</c> (the credential helpers' search path) is read; null: the process's.</param>
/// <param name="helperTimeout">How long a credential helper may take; default <see cref="DockerCredentialHelper.DefaultTimeout"/>.</param>
public sealed class DockerConfigCredentials(string? configPath, Action<string>? warn = null, Func<string, string?>? environment = null, TimeSpan? helperTimeout = null)
    : IRegistryCredentials
{
    /// <summary>The docker CLI's config for this user (<c>DOCKER_CONFIG</c> honoured); absent is fine.</summary>
    public static DockerConfigCredentials FromEnvironment(Action<string>? warn = null)
    {
        var dir = Environment.GetEnvironmentVariable("DOCKER_CONFIG") is { Length: > 0 } d
            ? d
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");
        return new DockerConfigCredentials(Path.Combine(dir, "config.json"), warn);
    }

    public async Task<AuthConfig?> GetAsync(string registry, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(registry);
        if (configPath is null)
        {
            return null;
        }

        var searchPath = environment is null ? null : environment("PATH") is { Length: > 0 } path ? path : null;
        var helpers = new DockerCredentialHelper(searchPath, helperTimeout ?? DockerCredentialHelper.DefaultTimeout, warn ?? (_ => { }));
        DockerCredential? found;
        try
        {
            found = await DockerAuthFile.FindAsync(configPath, registry, helpers, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerAuthFileException e)
        {
            var code = e.Problem == DockerAuthFileProblem.HelperFailed ? DockerDiagnosticCodes.CredentialHelperFailed : DockerDiagnosticCodes.DockerConfigUnreadable;
            throw new DockerJobException($"{code}: no credentials for pulling from {registry}: {e.Message}");
        }

        return found switch
        {
            null => null,
            { IsIdentityToken: true } => new AuthConfig { IdentityToken = found.Secret, ServerAddress = registry },
            _ => new AuthConfig { Username = found.UserName, Password = found.Secret, ServerAddress = registry },
        };
    }
}
