using Flows.Deploy.Publishing;
using Microsoft.Extensions.Logging;

namespace Flows.Deploy.Aws;

/// <summary>
/// Amazon ECR without the aws CLI or docker login: the registry's Basic credential is <c>AWS:&lt;password&gt;</c> from a
/// SigV4-signed <c>GetAuthorizationToken</c> (cached in memory until half its lifetime, refetched once when the registry
/// refuses it), and the repository is created before the first write when missing (<c>CreateRepository</c>;
/// <c>RepositoryAlreadyExistsException</c> is fine). Neither the token nor the AWS secret is ever logged.
/// </summary>
public sealed class EcrRegistryAccess(EcrRegistryHost host, AwsCredentialSource source, Func<string, string?> environment, ILogger logger, RegistryAccessOptions options,
    EcrTokenCache? cache = null, HttpMessageHandler? handler = null) : IRegistryAccess
{
    private readonly EcrTokenCache _cache = cache ?? EcrTokenCache.Shared;
    private AwsCredentials? _credentials;

    public bool CanRefresh => true;

    public EcrRegistryHost Host => host;

    public async ValueTask<RegistryCredential?> GetCredentialAsync(bool refresh, CancellationToken cancellationToken = default)
    {
        var endpoint = ApiEndpoint();
        var key = $"{host.Host}|{endpoint}|{source.CacheKey}";
        if (refresh)
        {
            _cache.Invalidate(key);
        }
        else if (_cache.TryGet(key) is { } cached)
        {
            return new RegistryCredential(cached.UserName, cached.Password);
        }

        var fetchedAt = _cache.Time.GetUtcNow();
        EcrAuthorization token;
        try
        {
            token = await (await ClientAsync(endpoint, cancellationToken).ConfigureAwait(false)).GetAuthorizationTokenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (EcrApiException e)
        {
            throw ToRegistryException(e, host.Host, source);
        }
        catch (AwsException e)
        {
            throw ToRegistryException(e, host.Host);
        }

        _cache.Set(key, token, fetchedAt);
        logger.LogInformation("ECR: registry token for {Registry} from {Source} ({Endpoint}), valid until {Expires:u}", host.Host, source.Name, endpoint, token.ExpiresAt);
        return new RegistryCredential(token.UserName, token.Password);
    }

    public RegistryException Refused(string registry, string repository, RegistryCredential? presented) => new(PublishDiagnosticCodes.EcrTokenRefused,
        $"registry {registry} refused the ECR token (GetAuthorizationToken with {source.Name}, fetched again once) for '{repository}'",
        $"Check that these AWS credentials belong to account {host.AccountId} or are allowed into its registry (ecr:BatchCheckLayerAvailability, ecr:InitiateLayerUpload, ecr:PutImage), "
        + "that the registry host names the right account and region, and that this machine's clock is right (tokens last 12 hours).");

    public async Task PrepareRepositoryAsync(string repository, CancellationToken cancellationToken = default)
    {
        if (!options.CreateRepository)
        {
            return;
        }

        try
        {
            var created = await (await ClientAsync(ApiEndpoint(), cancellationToken).ConfigureAwait(false)).CreateRepositoryAsync(repository, host.AccountId, cancellationToken).ConfigureAwait(false);
            logger.LogInformation(created ? "ECR: created repository {Repository} in {Registry}" : "ECR: repository {Repository} exists in {Registry}", repository, host.Host);
        }
        catch (EcrApiException e) when (e.ErrorType == "AccessDeniedException")
        {
            // Push-only roles may not create repositories; the push itself says whether the repository is missing.
            logger.LogInformation("ECR: not allowed to create repository {Repository} in {Registry} ({Source}); assuming it exists", repository, host.Host, source.Name);
        }
        catch (EcrApiException e) when (e.IsCredentialProblem)
        {
            throw ToRegistryException(e, host.Host, source);
        }
        catch (EcrApiException e)
        {
            throw new RegistryException(PublishDiagnosticCodes.EcrCreateRepositoryFailed, $"ECR could not create repository '{repository}' in {host.Host}: {e.ErrorType} {e.ServiceMessage}".TrimEnd(),
                "Create the repository yourself (or fix the name), or set FlowsCreateRepository=false to skip this step.", e);
        }
        catch (AwsException e)
        {
            throw ToRegistryException(e, host.Host);
        }
    }

    internal static RegistryException ToRegistryException(AwsException e, string registry) => new(
        e.Kind switch
        {
            AwsException.BadConfiguration => PublishDiagnosticCodes.AwsConfigurationInvalid,
            AwsException.CredentialsRefused => PublishDiagnosticCodes.EcrCredentialsRefused,
            _ => PublishDiagnosticCodes.EcrApiError,
        },
        $"{e.Message} (for registry {registry})", e.Fix, e);

    private static RegistryException ToRegistryException(EcrApiException e, string registry, AwsCredentialSource source) => e.IsCredentialProblem
        ? new RegistryException(PublishDiagnosticCodes.EcrCredentialsRefused,
            $"ECR refused {e.Operation} for registry {registry} with the AWS credentials from {source.Name}: {e.ErrorType} {e.ServiceMessage}".TrimEnd(),
            e.ErrorType is "ExpiredTokenException" or "ExpiredToken"
                ? "The session token has expired: refresh AWS_SESSION_TOKEN (or the profile's temporary keys) and publish again."
                : "Check that the access key and secret are current and belong together, that AWS_SESSION_TOKEN is set for temporary keys, that the clock is right, and that the identity may call ecr:" + e.Operation + ".",
            e)
        : new RegistryException(PublishDiagnosticCodes.EcrApiError, $"ECR {e.Operation} for registry {registry} failed: {e.Status} {e.ErrorType} {e.ServiceMessage}".TrimEnd(),
            "Check the region in the registry host (or AWS_ENDPOINT_URL_ECR), and try again if AWS reports a transient problem.", e);

    private Uri ApiEndpoint()
    {
        try
        {
            return host.ApiEndpoint(environment);
        }
        catch (AwsException e)
        {
            throw ToRegistryException(e, host.Host);
        }
    }

    private async Task<EcrClient> ClientAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        _credentials ??= await source.ResolveAsync(cancellationToken).ConfigureAwait(false);
        return new EcrClient(endpoint, host.Region, _credentials, _cache.Time, handler);
    }
}
