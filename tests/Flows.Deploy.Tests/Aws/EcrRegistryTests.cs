using System.Security.Cryptography;
using Flows.Deploy.Publishing;
using Microsoft.Extensions.Logging;

namespace Flows.Deploy.Tests.Aws;

/// <summary>
/// The ECR path in process: the registry client for an ECR host, its token from the fake ECR API (signature verified
/// there), the real htpasswd registry on localhost:5001 standing in for ECR's registry (through the test-only
/// FLOWS_TEST_ECR_REGISTRY_ENDPOINT mapping). A missing registry fails with the command that starts it.
/// </summary>
public sealed class EcrRegistryTests : IAsyncLifetime
{
    // Unique per test: the token cache is process-wide and keyed by registry, endpoint and key id, and a later fake may
    // get an earlier one's port.
    private readonly string _accessKey = "AKID" + Guid.NewGuid().ToString("N")[..16].ToUpperInvariant();
    private const string Secret = "flows/test+secret/0000000000000000000000";
    private readonly CapturingLogger _log = new();
    private FakeEcrApi _fake = null!;
    private string _password = "";

    public async Task InitializeAsync()
    {
        _password = await AuthRegistry.PasswordAsync();
        _fake = await FakeEcrApi.StartAsync(_password);
        _fake.AddKey(_accessKey, Secret);
    }

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private Dictionary<string, string> Env(string? secret = null) => new()
    {
        ["AWS_ACCESS_KEY_ID"] = _accessKey,
        ["AWS_SECRET_ACCESS_KEY"] = secret ?? Secret,
        ["AWS_ENDPOINT_URL_ECR"] = _fake.Endpoint.ToString(),
        [RegistryAccessFactory.TestEcrRegistryEndpointVariable] = "http://" + AuthRegistry.Host,
        ["HOME"] = Path.GetTempPath(), // no ~/.aws or ~/.docker of the machine running the tests
    };

    private static string Repository() => "ecr-" + Guid.NewGuid().ToString("N")[..10];

    private async Task PushBlobAsync(Dictionary<string, string> env, string repository, RegistryAccessOptions? options = null)
    {
        using var client = OciRegistryClient.Create(FakeEcrApi.Registry, env.GetValueOrDefault, _log, out _, options);
        Assert.Null(await client.HeadManifestAsync(repository, "nothing-here"));
        var blob = RandomNumberGenerator.GetBytes(64);
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(blob));
        await client.UploadBlobAsync(repository, digest, blob);
        Assert.True(await client.BlobExistsAsync(repository, digest));
    }

    [Fact]
    public async Task A_push_gets_one_signed_token_creates_the_repository_once_and_a_second_client_reuses_the_token()
    {
        var repository = Repository();
        await PushBlobAsync(Env(), repository);
        await PushBlobAsync(Env(), repository);

        Assert.Empty(_fake.Rejected);
        Assert.Equal(1, _fake.Count("GetAuthorizationToken"));
        Assert.Equal(2, _fake.Count("CreateRepository"));         // once per client; the second answered RepositoryAlreadyExistsException
        Assert.True(_fake.Repositories.ContainsKey(repository));
        Assert.Contains(_log.Lines, l => l.Contains($"created repository {repository}", StringComparison.Ordinal));
        Assert.Contains(_log.Lines, l => l.Contains($"repository {repository} exists", StringComparison.Ordinal));
        Assert.DoesNotContain(_log.Lines, l => l.Contains(_password, StringComparison.Ordinal) || l.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task FlowsCreateRepository_false_creates_nothing()
    {
        await PushBlobAsync(Env(), Repository(), new RegistryAccessOptions { CreateRepository = false });
        Assert.Equal(0, _fake.Count("CreateRepository"));
        Assert.Equal(1, _fake.Count("GetAuthorizationToken"));
    }

    [Fact]
    public async Task A_token_the_registry_refuses_is_fetched_again_once_and_then_works()
    {
        _fake.ScriptedPasswords.Enqueue("stale-" + _password);
        await PushBlobAsync(Env(), Repository());
        Assert.Equal(2, _fake.Count("GetAuthorizationToken"));
    }

    [Fact]
    public async Task A_wrong_token_is_one_clear_error_naming_the_registry_and_what_to_check()
    {
        _fake.ScriptedPasswords.Enqueue("wrong-1");
        _fake.ScriptedPasswords.Enqueue("wrong-2");
        using var client = OciRegistryClient.Create(FakeEcrApi.Registry, Env().GetValueOrDefault, _log, out _);
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.HeadManifestAsync(Repository(), "latest"));
        Assert.Equal(PublishDiagnosticCodes.EcrTokenRefused, e.Code);
        Assert.Contains(FakeEcrApi.Registry, e.Message, StringComparison.Ordinal);
        Assert.Contains(FakeEcrApi.AccountId, e.Fix, StringComparison.Ordinal);
        Assert.Contains("clock", e.Fix, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-", e.Message + e.Fix, StringComparison.Ordinal);
        Assert.Equal(2, _fake.Count("GetAuthorizationToken"));
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_by_the_fakes_signature_check_with_a_coded_error()
    {
        using var client = OciRegistryClient.Create(FakeEcrApi.Registry, Env(secret: "not-the-secret").GetValueOrDefault, _log, out _);
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.HeadManifestAsync(Repository(), "latest"));
        Assert.Equal(PublishDiagnosticCodes.EcrCredentialsRefused, e.Code);
        Assert.Contains("InvalidSignatureException", e.Message, StringComparison.Ordinal);
        Assert.Contains(FakeEcrApi.Registry, e.Message, StringComparison.Ordinal);
        Assert.Single(_fake.Rejected);
        Assert.DoesNotContain("not-the-secret", e.Message + e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_session_token_says_to_refresh_it()
    {
        _fake.AddKey("ASIAEXPIRED000000001", Secret, "expired-session");
        _fake.ExpiredSessionTokens["expired-session"] = true;
        var env = Env();
        env["AWS_ACCESS_KEY_ID"] = "ASIAEXPIRED000000001";
        env["AWS_SESSION_TOKEN"] = "expired-session";
        using var client = OciRegistryClient.Create(FakeEcrApi.Registry, env.GetValueOrDefault, _log, out _);
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.HeadManifestAsync(Repository(), "latest"));
        Assert.Equal(PublishDiagnosticCodes.EcrCredentialsRefused, e.Code);
        Assert.Contains("ExpiredTokenException", e.Message, StringComparison.Ordinal);
        Assert.Contains("AWS_SESSION_TOKEN", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Web_identity_goes_through_unsigned_STS_then_signs_ECR_with_the_temporary_keys()
    {
        var tokenFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(tokenFile, "oidc-token-123");
        try
        {
            _fake.WebIdentityToken = "oidc-token-123";
            _fake.RoleArn = "arn:aws:iam::123456789012:role/flows-ci";
            var env = Env();
            env.Remove("AWS_ACCESS_KEY_ID");
            env.Remove("AWS_SECRET_ACCESS_KEY");
            env["AWS_WEB_IDENTITY_TOKEN_FILE"] = tokenFile;
            env["AWS_ROLE_ARN"] = _fake.RoleArn;
            env["AWS_ENDPOINT_URL_STS"] = _fake.Endpoint.ToString();
            await PushBlobAsync(env, Repository());
            Assert.Equal(["AssumeRoleWithWebIdentity", "GetAuthorizationToken"], _fake.Calls.Where(c => !c.StartsWith("CreateRepository", StringComparison.Ordinal)));
            Assert.Empty(_fake.Rejected);

            _fake.RoleArn = "arn:aws:iam::123456789012:role/other";
            env["AWS_ENDPOINT_URL_ECR"] = _fake.Endpoint.ToString().Replace("127.0.0.1", "localhost", StringComparison.Ordinal); // another cache key
            using var client = OciRegistryClient.Create(FakeEcrApi.Registry, env.GetValueOrDefault, _log, out _);
            var e = await Assert.ThrowsAsync<RegistryException>(() => client.HeadManifestAsync(Repository(), "latest"));
            Assert.Equal(PublishDiagnosticCodes.EcrCredentialsRefused, e.Code);
            Assert.Contains("InvalidIdentityToken", e.Message, StringComparison.Ordinal);
            Assert.Contains(FakeEcrApi.Registry, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(tokenFile);
        }
    }

    [Fact]
    public async Task Without_AWS_credentials_the_docker_config_serves_the_ECR_host()
    {
        var dockerConfig = Directory.CreateTempSubdirectory("flows-docker-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dockerConfig, "config.json"),
                "{\"auths\":{\"https://" + FakeEcrApi.Registry + "\":{\"auth\":\"" + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("AWS:" + _password)) + "\"}}}");
            var env = Env();
            env.Remove("AWS_ACCESS_KEY_ID");
            env.Remove("AWS_SECRET_ACCESS_KEY");
            env["DOCKER_CONFIG"] = dockerConfig;
            await PushBlobAsync(env, Repository());
            Assert.Empty(_fake.Calls);
        }
        finally
        {
            Directory.Delete(dockerConfig, true);
        }
    }
}

/// <summary>The htpasswd registry .ci/registry.sh starts on localhost:5001 (user AWS).</summary>
internal static class AuthRegistry
{
    public const string Host = "localhost:5001";

    public static async Task<string> PasswordAsync()
    {
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) })
        {
            int status;
            try
            {
                status = (int)(await http.GetAsync($"http://{Host}/v2/")).StatusCode;
            }
            catch (HttpRequestException)
            {
                status = 0;
            }

            if (status != 401)
            {
                throw new InvalidOperationException($"registry {Host} is not running (answered {status}, expected 401). Start it with: bash .ci/registry.sh");
            }
        }

        var ciDir = Environment.GetEnvironmentVariable("FLOWS_CI_DIR") is { Length: > 0 } d ? d : "/var/tmp/flows-ci";
        return (await File.ReadAllTextAsync(Path.Combine(ciDir, "registry", "aws-password"))).Trim();
    }
}

internal sealed class CapturingLogger : ILogger
{
    public List<string> Lines { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Lines)
        {
            Lines.Add(formatter(state, exception));
        }
    }
}
