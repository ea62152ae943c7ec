namespace Flows.Deploy.Publishing;

/// <summary>
/// How a registry client authenticates to one registry and readies a repository for a push. The static kind holds a
/// credential found up front (<see cref="StaticRegistryAccess"/>); Amazon ECR's gets a short-lived token when the registry
/// first challenges, and creates the repository before the first write (<c>Flows.Deploy.Aws.EcrRegistryAccess</c>).
/// </summary>
public interface IRegistryAccess
{
    /// <summary>The credential for the registry's challenge; <paramref name="refresh"/>: the last one was refused, do not
    /// answer from a cache. Null: anonymous.</summary>
    ValueTask<RegistryCredential?> GetCredentialAsync(bool refresh, CancellationToken cancellationToken = default);

    /// <summary>Whether asking again with <c>refresh: true</c> could give a different credential (a cached token).</summary>
    bool CanRefresh { get; }

    /// <summary>The one error for "the registry refused what we presented" (or "we had nothing to present").</summary>
    RegistryException Refused(string registry, string repository, RegistryCredential? presented);

    /// <summary>Called once per repository before the first write to it (ECR: <c>CreateRepository</c> when missing).</summary>
    Task PrepareRepositoryAsync(string repository, CancellationToken cancellationToken = default);
}

/// <summary>A credential known up front (SDK variables, docker config, credential helpers), or none.</summary>
public sealed class StaticRegistryAccess(RegistryCredential? credential) : IRegistryAccess
{
    public bool CanRefresh => false;

    public ValueTask<RegistryCredential?> GetCredentialAsync(bool refresh, CancellationToken cancellationToken = default) => ValueTask.FromResult(credential);

    public RegistryException Refused(string registry, string repository, RegistryCredential? presented) => new(PublishDiagnosticCodes.RegistryAuthFailed,
        presented is null
            ? $"registry {registry} requires credentials to push '{repository}', and none were found"
            : $"registry {registry} refused the credentials of user '{presented.UserName}' for '{repository}'",
        "Set DOTNET_CONTAINER_REGISTRY_UNAME/DOTNET_CONTAINER_REGISTRY_PWORD, or log in so that $DOCKER_CONFIG/config.json (or REGISTRY_AUTH_FILE) holds them; check that they are current.");

    public Task PrepareRepositoryAsync(string repository, CancellationToken cancellationToken = default) => Task.CompletedTask;
}
