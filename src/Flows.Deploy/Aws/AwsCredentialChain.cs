namespace Flows.Deploy.Aws;

/// <summary>
/// Where AWS credentials come from, found without any network call. <see cref="CacheKey"/> names the identity (access key
/// id, or role + token file), never a secret, so tokens obtained with it can be cached per identity.
/// </summary>
public sealed record AwsCredentialSource(string Name, string CacheKey, Func<CancellationToken, Task<AwsCredentials>> ResolveAsync)
{
    public override string ToString() => Name;
}

/// <summary>
/// The AWS default chain, the part of it that applies to a build machine or a CI job, in this order:
/// <list type="number">
/// <item><c>AWS_ACCESS_KEY_ID</c> + <c>AWS_SECRET_ACCESS_KEY</c> (+ <c>AWS_SESSION_TOKEN</c>);</item>
/// <item>web identity: <c>AWS_WEB_IDENTITY_TOKEN_FILE</c> + <c>AWS_ROLE_ARN</c> (+ <c>AWS_ROLE_SESSION_NAME</c>), exchanged with
/// STS <c>AssumeRoleWithWebIdentity</c> (EKS IRSA, GitHub Actions OIDC);</item>
/// <item>the shared credentials file (<c>AWS_SHARED_CREDENTIALS_FILE</c>, default <c>~/.aws/credentials</c>), profile
/// <c>AWS_PROFILE</c> (else <c>AWS_DEFAULT_PROFILE</c>, else <c>default</c>).</item>
/// </list>
/// Not read: <c>~/.aws/config</c> (SSO, <c>credential_process</c>, <c>role_arn</c> profiles), container and instance
/// metadata. Null: no AWS credentials here (the caller falls back to docker's credentials). A named profile that does not
/// exist, half of a key pair, or an unreadable token file is an <see cref="AwsException"/> rather than a silent fallback.
/// </summary>
public sealed class AwsCredentialChain(Func<string, string?> environment, HttpMessageHandler? handler = null)
{
    public AwsCredentialSource? Find(string region)
    {
        var id = Value("AWS_ACCESS_KEY_ID");
        var secret = Value("AWS_SECRET_ACCESS_KEY");
        if (id is not null || secret is not null)
        {
            if (id is null || secret is null)
            {
                throw new AwsException(AwsException.BadConfiguration, $"{(id is null ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID")} is set but {(id is null ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY")} is not",
                    "Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials), or neither.");
            }

            var credentials = new AwsCredentials(id, secret, Value("AWS_SESSION_TOKEN"), null, "environment");
            return new AwsCredentialSource("environment variables (AWS_ACCESS_KEY_ID)", "key:" + id, _ => Task.FromResult(credentials));
        }

        var tokenFile = Value("AWS_WEB_IDENTITY_TOKEN_FILE");
        var roleArn = Value("AWS_ROLE_ARN");
        if (tokenFile is not null && roleArn is not null)
        {
            var sessionName = Value("AWS_ROLE_SESSION_NAME") ?? "flows-" + Guid.NewGuid().ToString("N")[..12];
            var stsRegion = Value("AWS_REGION") ?? Value("AWS_DEFAULT_REGION") ?? region;
            return new AwsCredentialSource($"web identity (AWS_ROLE_ARN {roleArn})", $"role:{roleArn}|{tokenFile}", async ct =>
            {
                string token;
                try
                {
                    token = (await File.ReadAllTextAsync(tokenFile, ct).ConfigureAwait(false)).Trim();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new AwsException(AwsException.BadConfiguration, $"the web identity token file '{tokenFile}' (AWS_WEB_IDENTITY_TOKEN_FILE) cannot be read: {e.Message}",
                        "Check that the file exists and is readable (on EKS, that the service account's token is mounted).", inner: e);
                }

                return await new StsClient(StsClient.Endpoint(environment, stsRegion), handler).AssumeRoleWithWebIdentityAsync(roleArn, sessionName, token, ct).ConfigureAwait(false);
            });
        }

        var explicitProfile = Value("AWS_PROFILE") ?? Value("AWS_DEFAULT_PROFILE");
        var profile = explicitProfile ?? "default";
        var file = Value("AWS_SHARED_CREDENTIALS_FILE") ?? Path.Combine(Value("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aws", "credentials");
        Dictionary<string, string>? values;
        try
        {
            values = File.Exists(file) ? SharedCredentialsFile.ReadProfile(file, profile) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AwsException(AwsException.BadConfiguration, $"the AWS credentials file {file} cannot be read: {e.Message}",
                "Fix its permissions, point AWS_SHARED_CREDENTIALS_FILE elsewhere, or use environment variables.", inner: e);
        }

        if (values is null)
        {
            return explicitProfile is null ? null : throw new AwsException(AwsException.BadConfiguration, $"AWS profile '{profile}' (AWS_PROFILE) is not in {file}",
                "Add the profile to the credentials file (aws_access_key_id, aws_secret_access_key), point AWS_SHARED_CREDENTIALS_FILE at the right file, or unset AWS_PROFILE.");
        }

        if (values.GetValueOrDefault("aws_access_key_id") is not { Length: > 0 } fileId || values.GetValueOrDefault("aws_secret_access_key") is not { Length: > 0 } fileSecret)
        {
            return explicitProfile is null ? null : throw new AwsException(AwsException.BadConfiguration, $"AWS profile '{profile}' in {file} has no aws_access_key_id/aws_secret_access_key",
                "Put static keys in the credentials file's profile (SSO and role profiles in ~/.aws/config are not read), or use environment variables or web identity.");
        }

        var fromFile = new AwsCredentials(fileId, fileSecret, values.GetValueOrDefault("aws_session_token") is { Length: > 0 } t ? t : null, null, $"profile {profile}");
        return new AwsCredentialSource($"profile '{profile}' in {file}", "key:" + fileId, _ => Task.FromResult(fromFile));
    }

    private string? Value(string name) => environment(name) is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
}

/// <summary>The INI-style <c>~/.aws/credentials</c>: <c>[name]</c> sections of <c>key = value</c>; <c>#</c>/<c>;</c> comments.</summary>
public static class SharedCredentialsFile
{
    public static Dictionary<string, string>? ReadProfile(string path, string profile)
    {
        Dictionary<string, string>? current = null;
        Dictionary<string, string>? found = null;
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[' && line.EndsWith(']'))
            {
                var name = line[1..^1].Trim();
                current = name == profile ? found ??= new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) : null;
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (current is not null && eq > 0)
            {
                current[line[..eq].Trim()] = line[(eq + 1)..].Trim();
            }
        }

        return found;
    }
}
