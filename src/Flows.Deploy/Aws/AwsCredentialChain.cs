using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace Flows.Deploy.Aws;

/// <summary>
/// Where AWS credentials come from. <see cref="CacheKey"/> names the identity (the SDK's credential type, profile, access
/// key id, role), never a secret, so tokens obtained with it can be cached per identity.
/// </summary>
public sealed record AwsCredentialSource(string Name, string CacheKey, Func<CancellationToken, Task<AwsCredentials>> ResolveAsync)
{
    public override string ToString() => Name;
}

/// <summary>
/// AWS credentials exactly as the AWS SDK for .NET resolves them (its default chain,
/// <see cref="DefaultAWSCredentialsIdentityResolver"/>): environment keys; the shared <c>config</c> and <c>credentials</c>
/// files with <c>AWS_PROFILE</c>, including <c>source_profile</c>/<c>role_arn</c> (STS AssumeRole), SSO sessions,
/// <c>credential_process</c> and web identity profiles; web identity from the environment (EKS IRSA, CI OIDC); EKS Pod
/// Identity and ECS container credentials; EC2 instance metadata. Endpoints follow the SDK's settings too
/// (<c>AWS_ENDPOINT_URL_STS</c>, <c>AWS_ENDPOINT_URL</c>).
/// The SDK reads the process environment; while it resolves, the AWS variables in it are those of
/// <paramref name="environment"/> (the request's environment, which callers and tests control), and STS defaults to the
/// registry's region when no region is set. Resolutions are serialised so they never see each other's environment.
/// Null: no AWS credentials here (the caller falls back to docker's credentials); a profile named in
/// <c>AWS_PROFILE</c> that cannot be resolved is an <see cref="AwsException"/> rather than a silent fallback.
/// </summary>
public sealed class AwsCredentialChain(Func<string, string?> environment)
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    public AwsCredentialSource? Find(string region)
    {
        AWSCredentials? credentials;
        OneAtATime.Wait();
        try
        {
            using var scope = new EnvironmentScope(environment, region);
            credentials = Resolve();
        }
        catch (AmazonClientException e)
        {
            throw new AwsException(AwsException.BadConfiguration, $"AWS credentials cannot be resolved: {e.Message}",
                "Check the profile in ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE), or unset AWS_PROFILE.", inner: e);
        }
        finally
        {
            OneAtATime.Release();
        }

        if (credentials is null)
        {
            return null;
        }

        var kind = credentials.GetType().Name.Replace("AWSCredentials", "", StringComparison.Ordinal).Replace("Credentials", "", StringComparison.Ordinal);
        var identity = string.Join('|', new[] { "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI" }
            .Select(name => $"{name}={Value(name)}"));
        return new AwsCredentialSource($"the AWS SDK's credential chain ({kind}{(Value("AWS_PROFILE") is { } p ? $", profile '{p}'" : "")})", $"sdk:{kind}|{identity}",
            ct => ResolveAsync(credentials, region, kind, ct));
    }

    private async Task<AwsCredentials> ResolveAsync(AWSCredentials credentials, string region, string kind, CancellationToken cancellationToken)
    {
        await OneAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var scope = new EnvironmentScope(environment, region);
            var c = await credentials.GetCredentialsAsync().ConfigureAwait(false);
            return new AwsCredentials(c.AccessKey, c.SecretKey, string.IsNullOrEmpty(c.Token) ? null : c.Token, null, kind);
        }
        catch (AmazonClientException e) when (ServiceRefusal(e) is { } refusal)
        {
            // STS (or SSO) answered: the credentials or role were refused. The SDK wraps that answer; name it.
            throw new AwsException(AwsException.CredentialsRefused, $"AWS refused to issue credentials ({kind}): {refusal.ErrorCode} {refusal.Message}".TrimEnd(),
                "Check the role (role_arn, its trust policy), the source credentials or web identity token, and the STS endpoint (AWS_ENDPOINT_URL_STS).", refusal.ErrorCode, e);
        }
        catch (AmazonClientException e)
        {
            throw new AwsException(AwsException.BadConfiguration, $"AWS credentials ({kind}) could not be obtained: {e.Message}",
                "Check the AWS configuration (profile, token file, SSO login: aws sso login) and that the endpoints are reachable.", inner: e);
        }
        finally
        {
            OneAtATime.Release();
        }
    }

    /// <summary>
    /// The SDK's chain, in its order. Environment keys first; then the profile, read through a profile store made for
    /// this resolution (the SDK's default chain keeps the shared files it first read for the life of the process, so a
    /// long-lived MSBuild node would miss a changed AWS_PROFILE or file); then the rest of the SDK's default chain (web
    /// identity, EKS Pod Identity and ECS container credentials, EC2 instance metadata). Null: none of them has any.
    /// </summary>
    private AWSCredentials? Resolve()
    {
        if (Value("AWS_ACCESS_KEY_ID") is not null || Value("AWS_SECRET_ACCESS_KEY") is not null)
        {
            return new EnvironmentVariablesAWSCredentials();
        }

        var named = Value("AWS_PROFILE") ?? Value("AWS_DEFAULT_PROFILE");
        var home = Value("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var credentialsFile = Value("AWS_SHARED_CREDENTIALS_FILE") ?? Path.Combine(home, ".aws", "credentials");
        if (new Amazon.Runtime.CredentialManagement.CredentialProfileStoreChain(credentialsFile).TryGetAWSCredentials(named ?? "default", out var fromProfile))
        {
            return fromProfile;
        }

        if (named is not null)
        {
            throw new AwsException(AwsException.BadConfiguration, $"AWS profile '{named}' (AWS_PROFILE) is not in {credentialsFile} or {Value("AWS_CONFIG_FILE") ?? Path.Combine(home, ".aws", "config")}, or cannot be used",
                "Add the profile (static keys, role_arn with source_profile, sso_session, credential_process or web_identity_token_file), point AWS_CONFIG_FILE/AWS_SHARED_CREDENTIALS_FILE at the right files, or unset AWS_PROFILE.");
        }

        try
        {
            return new DefaultAWSCredentialsIdentityResolver().ResolveIdentity(null);
        }
        catch (AmazonClientException)
        {
            // Every provider came up empty: no AWS here.
            return null;
        }
    }

    private static AmazonServiceException? ServiceRefusal(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is AmazonServiceException service)
            {
                return service;
            }
        }

        return null;
    }

    private string? Value(string name) => environment(name) is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

    /// <summary>
    /// The SDK reads its settings from the process environment. For the duration of a resolution the AWS variables it
    /// reads are set from the request's environment (and unset where it has none), then restored.
    /// </summary>
    private sealed class EnvironmentScope : IDisposable
    {
        private static readonly string[] Names =
        [
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCOUNT_ID", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
            "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
            "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC",
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_STS_REGIONAL_ENDPOINTS", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        ];

        private readonly Dictionary<string, string?> _previous = new(StringComparer.Ordinal);

        public EnvironmentScope(Func<string, string?> environment, string region)
        {
            foreach (var name in Names)
            {
                _previous[name] = Environment.GetEnvironmentVariable(name);
                Environment.SetEnvironmentVariable(name, environment(name) is { Length: > 0 } value ? value : null);
            }

            // STS in the registry's region, rather than a region looked up from instance metadata.
            if (environment("AWS_REGION") is not { Length: > 0 } && environment("AWS_DEFAULT_REGION") is not { Length: > 0 })
            {
                Environment.SetEnvironmentVariable("AWS_REGION", region);
            }
        }

        public void Dispose()
        {
            foreach (var (name, value) in _previous)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}
