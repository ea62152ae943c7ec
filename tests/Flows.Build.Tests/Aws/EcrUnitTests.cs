using Flows.Deploy.Aws;
using Flows.Deploy.Publishing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flows.Build.Tests.Aws;

public sealed class EcrRegistryHostTests
{
    [Theory]
    [InlineData("123456789012.dkr.ecr.eu-west-1.amazonaws.com", "123456789012", "eu-west-1", false, false, "https://api.ecr.eu-west-1.amazonaws.com/")]
    [InlineData("123456789012.dkr.ecr.us-east-1.amazonaws.com:443", "123456789012", "us-east-1", false, false, "https://api.ecr.us-east-1.amazonaws.com/")]
    [InlineData("123456789012.DKR.ECR.us-east-1.AMAZONAWS.com", "123456789012", "us-east-1", false, false, "https://api.ecr.us-east-1.amazonaws.com/")]
    [InlineData("210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn", "210987654321", "cn-north-1", false, true, "https://api.ecr.cn-north-1.amazonaws.com.cn/")]
    [InlineData("123456789012.dkr-ecr.ap-southeast-2.on.aws", "123456789012", "ap-southeast-2", true, false, "https://ecr.ap-southeast-2.api.aws/")]
    [InlineData("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "123456789012", "us-gov-west-1", false, false, "https://ecr-fips.us-gov-west-1.amazonaws.com/")]
    public void ECR_hosts_are_recognised_with_account_region_and_API_endpoint(string registry, string account, string region, bool dualStack, bool china, string api)
    {
        var host = EcrRegistryHost.TryParse(registry);
        Assert.NotNull(host);
        Assert.Equal(account, host.AccountId);
        Assert.Equal(region, host.Region);
        Assert.Equal(dualStack, host.DualStack);
        Assert.Equal(china, host.China);
        Assert.Equal(api, host.ApiEndpoint(_ => null).ToString());
    }

    [Theory]
    [InlineData("localhost:5001")]
    [InlineData("12345678901.dkr.ecr.us-east-1.amazonaws.com")] // 11 digits
    [InlineData("1234567890123.dkr.ecr.us-east-1.amazonaws.com")] // 13 digits
    [InlineData("123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example")]
    [InlineData("public.ecr.aws")]
    [InlineData("123456789012.dkr.ecr.us-east-1.on.aws")] // dual-stack is dkr-ecr
    [InlineData("ghcr.io")]
    public void Other_hosts_are_not_ECR(string registry) => Assert.Null(EcrRegistryHost.TryParse(registry));

    [Fact]
    public void The_API_endpoint_follows_AWS_ENDPOINT_URL_ECR_then_AWS_ENDPOINT_URL()
    {
        var host = EcrRegistryHost.TryParse("123456789012.dkr.ecr.eu-west-1.amazonaws.com")!;
        var both = new Dictionary<string, string> { ["AWS_ENDPOINT_URL_ECR"] = "http://127.0.0.1:1234", ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9999" };
        Assert.Equal("http://127.0.0.1:1234/", host.ApiEndpoint(both.GetValueOrDefault).ToString());
        both.Remove("AWS_ENDPOINT_URL_ECR");
        Assert.Equal("http://127.0.0.1:9999/", host.ApiEndpoint(both.GetValueOrDefault).ToString());
        var bad = Assert.Throws<AwsException>(() => host.ApiEndpoint(v => v == "AWS_ENDPOINT_URL_ECR" ? "not a url" : null));
        Assert.Equal(AwsException.BadConfiguration, bad.Kind);
        Assert.Equal("http://127.0.0.1:5555/", StsClient.Endpoint(v => v == "AWS_ENDPOINT_URL_STS" ? "http://127.0.0.1:5555" : null, "eu-west-1").ToString());
        Assert.Equal("https://sts.eu-west-1.amazonaws.com/", StsClient.Endpoint(_ => null, "eu-west-1").ToString());
    }
}

public sealed class AwsCredentialChainTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flows-aws-chain-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string CredentialsFile(string text)
    {
        var path = Path.Combine(_dir, "credentials");
        File.WriteAllText(path, text);
        return path;
    }

    private const string Profiles = """
        # comment
        [default]
        aws_access_key_id = AKIDDEFAULT
        aws_secret_access_key = default-secret

        [ci]
        aws_access_key_id=AKIDCI
        aws_secret_access_key=ci-secret
        aws_session_token = ci-session
        """;

    private static async Task<AwsCredentials?> Resolve(Dictionary<string, string> env)
    {
        var source = new AwsCredentialChain(env.GetValueOrDefault).Find("us-east-1");
        return source is null ? null : await source.ResolveAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Environment_keys_come_before_web_identity_and_profiles()
    {
        var env = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = "AKIDENV", ["AWS_SECRET_ACCESS_KEY"] = "env-secret", ["AWS_SESSION_TOKEN"] = "env-session",
            ["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/nonexistent", ["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/x",
            ["AWS_SHARED_CREDENTIALS_FILE"] = CredentialsFile(Profiles), ["AWS_PROFILE"] = "ci",
        };
        var c = await Resolve(env);
        Assert.Equal(("AKIDENV", "env-secret", "env-session"), (c!.AccessKeyId, c.SecretAccessKey, c.SessionToken));
        Assert.DoesNotContain("env-secret", c.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Web_identity_comes_before_profiles()
    {
        var env = new Dictionary<string, string>
        {
            ["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/nonexistent", ["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/x",
            ["AWS_SHARED_CREDENTIALS_FILE"] = CredentialsFile(Profiles),
        };
        var source = new AwsCredentialChain(env.GetValueOrDefault).Find("us-east-1");
        Assert.StartsWith("web identity", source!.Name, StringComparison.Ordinal);
        Assert.Equal("role:arn:aws:iam::123456789012:role/x|/nonexistent", source.CacheKey);
    }

    [Fact]
    public async Task Profiles_come_from_AWS_PROFILE_else_default()
    {
        var file = CredentialsFile(Profiles);
        var ci = await Resolve(new() { ["AWS_SHARED_CREDENTIALS_FILE"] = file, ["AWS_PROFILE"] = "ci" });
        Assert.Equal(("AKIDCI", "ci-secret", "ci-session"), (ci!.AccessKeyId, ci.SecretAccessKey, ci.SessionToken));
        var fallback = await Resolve(new() { ["AWS_SHARED_CREDENTIALS_FILE"] = file });
        Assert.Equal(("AKIDDEFAULT", "default-secret", (string?)null), (fallback!.AccessKeyId, fallback.SecretAccessKey, fallback.SessionToken));
        // HOME/.aws/credentials when no file is named
        Directory.CreateDirectory(Path.Combine(_dir, ".aws"));
        File.Copy(file, Path.Combine(_dir, ".aws", "credentials"));
        Assert.Equal("AKIDDEFAULT", (await Resolve(new() { ["HOME"] = _dir }))!.AccessKeyId);
    }

    [Fact]
    public async Task No_AWS_settings_is_null_and_mistakes_are_errors_not_silent_fallbacks()
    {
        Assert.Null(await Resolve(new() { ["HOME"] = _dir }));
        Assert.Null(await Resolve(new() { ["AWS_SHARED_CREDENTIALS_FILE"] = CredentialsFile("[other]\naws_access_key_id=A\naws_secret_access_key=B\n") }));

        var missing = Assert.Throws<AwsException>(() => new AwsCredentialChain(new Dictionary<string, string> { ["AWS_SHARED_CREDENTIALS_FILE"] = CredentialsFile(Profiles), ["AWS_PROFILE"] = "nope" }.GetValueOrDefault).Find("us-east-1"));
        Assert.Equal(AwsException.BadConfiguration, missing.Kind);
        Assert.Contains("'nope'", missing.Message, StringComparison.Ordinal);

        var half = Assert.Throws<AwsException>(() => new AwsCredentialChain(new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "AKID" }.GetValueOrDefault).Find("us-east-1"));
        Assert.Contains("AWS_SECRET_ACCESS_KEY", half.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreadable_web_identity_token_file_is_a_configuration_error()
    {
        var source = new AwsCredentialChain(new Dictionary<string, string> { ["AWS_WEB_IDENTITY_TOKEN_FILE"] = Path.Combine(_dir, "missing"), ["AWS_ROLE_ARN"] = "arn:aws:iam::1:role/x" }.GetValueOrDefault).Find("us-east-1")!;
        var e = await Assert.ThrowsAsync<AwsException>(() => source.ResolveAsync(CancellationToken.None));
        Assert.Equal(AwsException.BadConfiguration, e.Kind);
        Assert.Contains("AWS_WEB_IDENTITY_TOKEN_FILE", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ECR_host_without_AWS_credentials_uses_docker_config_and_other_hosts_never_use_AWS()
    {
        var auths = new System.Text.Json.Nodes.JsonObject
        {
            [FakeEcrApi.Registry] = new System.Text.Json.Nodes.JsonObject { ["auth"] = Convert.ToBase64String("AWS:from-docker"u8) },
            ["localhost:5001"] = new System.Text.Json.Nodes.JsonObject { ["auth"] = Convert.ToBase64String("u:p"u8) },
        };
        File.WriteAllText(Path.Combine(_dir, "config.json"), new System.Text.Json.Nodes.JsonObject { ["auths"] = auths }.ToJsonString());
        var env = new Dictionary<string, string> { ["DOCKER_CONFIG"] = _dir, ["HOME"] = _dir };
        var (ecr, _) = RegistryAccessFactory.Create(FakeEcrApi.Registry, env.GetValueOrDefault, NullLogger.Instance, new RegistryAccessOptions());
        Assert.IsType<StaticRegistryAccess>(ecr);
        Assert.Equal("from-docker", (await ecr.GetCredentialAsync(false))!.Secret);

        env["AWS_ACCESS_KEY_ID"] = "AKID";
        env["AWS_SECRET_ACCESS_KEY"] = "secret";
        var (aws, _) = RegistryAccessFactory.Create(FakeEcrApi.Registry, env.GetValueOrDefault, NullLogger.Instance, new RegistryAccessOptions());
        Assert.IsType<EcrRegistryAccess>(aws);
        var (plain, endpoint) = RegistryAccessFactory.Create("localhost:5001", env.GetValueOrDefault, NullLogger.Instance, new RegistryAccessOptions());
        Assert.IsType<StaticRegistryAccess>(plain);
        Assert.Null(endpoint);

        // The test-only endpoint mapping applies to ECR hosts, never to others.
        env[RegistryAccessFactory.TestEcrRegistryEndpointVariable] = "http://localhost:5001";
        Assert.Equal("http://localhost:5001/", RegistryAccessFactory.Create(FakeEcrApi.Registry, env.GetValueOrDefault, NullLogger.Instance, new RegistryAccessOptions()).Endpoint?.ToString());
        Assert.Null(RegistryAccessFactory.Create("ghcr.io", env.GetValueOrDefault, NullLogger.Instance, new RegistryAccessOptions()).Endpoint);
    }
}

public sealed class EcrTokenCacheTests
{
    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void A_token_is_reused_until_half_its_lifetime_then_not()
    {
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new ManualTime(start);
        var cache = new EcrTokenCache(time);
        cache.Set("k", new EcrAuthorization("AWS", "pw", start.AddHours(12), null), start);
        time.Now = start.AddHours(5).AddMinutes(59);
        Assert.Equal("pw", cache.TryGet("k")?.Password);
        time.Now = start.AddHours(6);
        Assert.Null(cache.TryGet("k"));
        cache.Set("k", new EcrAuthorization("AWS", "pw2", start.AddHours(18), start.AddHours(6).ToString("O")), start.AddHours(6));
        Assert.Equal("pw2", cache.TryGet("k")?.Password);
        cache.Invalidate("k");
        Assert.Null(cache.TryGet("k"));
        Assert.DoesNotContain("pw", new EcrAuthorization("AWS", "pw", start, null).ToString(), StringComparison.Ordinal);
    }
}
