using Flows.Deploy.Aws;
using Flows.Deploy.Publishing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flows.Deploy.Tests.Aws;

/// <summary>AWS credentials come from the AWS SDK's own chain, reading the request's environment: environment keys,
/// profiles in the shared files (static keys, and role_arn with source_profile through STS AssumeRole against a local
/// fake STS), web identity; nothing at all is null so docker's credentials serve the ECR host.</summary>
public sealed class AwsCredentialChainTests : IAsyncLifetime
{
    // One folder for every test of the run: the AWS SDK keeps the shared files' location for the process once it has
    // read them, so each test rewrites the same two files rather than pointing at new ones.
    private static readonly string SharedDir = Directory.CreateTempSubdirectory("flows-aws-chain-").FullName;
    private readonly string _dir = SharedDir;
    private FakeEcrApi _sts = null!;

    public async Task InitializeAsync()
    {
        foreach (var file in Directory.GetFiles(_dir))
        {
            File.Delete(file);
        }

        _sts = await FakeEcrApi.StartAsync("unused");
    }

    public async Task DisposeAsync() => await _sts.DisposeAsync();

    /// <summary>An environment with nothing of this machine's AWS settings in it: files under the test's folder only.</summary>
    private Dictionary<string, string> Env(params (string Name, string Value)[] values)
    {
        var env = new Dictionary<string, string>
        {
            ["HOME"] = _dir,
            ["AWS_CONFIG_FILE"] = Path.Combine(_dir, "config"),
            ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(_dir, "credentials"),
        };
        foreach (var (name, value) in values)
        {
            env[name] = value;
        }

        return env;
    }

    private static async Task<AwsCredentials?> Resolve(Dictionary<string, string> env)
    {
        var source = new AwsCredentialChain(env.GetValueOrDefault).Find("us-east-1");
        return source is null ? null : await source.ResolveAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Environment_keys()
    {
        var c = await Resolve(Env(("AWS_ACCESS_KEY_ID", "AKIDENV"), ("AWS_SECRET_ACCESS_KEY", "env-secret"), ("AWS_SESSION_TOKEN", "env-session")));
        Assert.Equal(("AKIDENV", "env-secret", "env-session"), (c!.AccessKeyId, c.SecretAccessKey, c.SessionToken));
        Assert.DoesNotContain("env-secret", c.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Static_profiles_come_from_AWS_PROFILE_else_default()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "credentials"), """
            [default]
            aws_access_key_id = AKIDDEFAULT
            aws_secret_access_key = default-secret

            [ci]
            aws_access_key_id=AKIDCI
            aws_secret_access_key=ci-secret
            aws_session_token = ci-session
            """);
        var ci = await Resolve(Env(("AWS_PROFILE", "ci")));
        Assert.Equal(("AKIDCI", "ci-secret", "ci-session"), (ci!.AccessKeyId, ci.SecretAccessKey, ci.SessionToken));
        Assert.Equal("AKIDDEFAULT", (await Resolve(Env()))!.AccessKeyId);
    }

    [Fact]
    public async Task A_role_profile_with_source_profile_assumes_the_role_through_STS_signed_with_the_source_keys()
    {
        _sts.RoleArn = "arn:aws:iam::123456789012:role/deployer";
        _sts.AddKey("AKIDSOURCE", "source-secret");
        // The role profile sits in the credentials file, which each resolution reads afresh: the SDK parses the config
        // file once per process, so a test that rewrites it would depend on which test read it first.
        await File.WriteAllTextAsync(Path.Combine(_dir, "credentials"), $"""
            [base]
            aws_access_key_id = AKIDSOURCE
            aws_secret_access_key = source-secret

            [deploy]
            role_arn = {_sts.RoleArn}
            source_profile = base
            region = us-east-1
            """);

        var c = await Resolve(Env(("AWS_PROFILE", "deploy"), ("AWS_ENDPOINT_URL_STS", _sts.Endpoint.ToString())));
        Assert.StartsWith("ASIA", c!.AccessKeyId, StringComparison.Ordinal);
        Assert.NotNull(c.SessionToken);
        Assert.Equal(["AKIDSOURCE"], _sts.AssumedBy);
    }

    [Fact]
    public async Task A_role_STS_refuses_is_an_AWS_error_naming_the_refusal()
    {
        _sts.RoleArn = "arn:aws:iam::123456789012:role/someone-else";
        _sts.AddKey("AKIDSOURCE", "source-secret");
        await File.WriteAllTextAsync(Path.Combine(_dir, "credentials"), "[base]\naws_access_key_id = AKIDSOURCE\naws_secret_access_key = source-secret\n\n[deploy]\nrole_arn = arn:aws:iam::123456789012:role/deployer\nsource_profile = base\n");

        var e = await Assert.ThrowsAsync<AwsException>(() => Resolve(Env(("AWS_PROFILE", "deploy"), ("AWS_ENDPOINT_URL_STS", _sts.Endpoint.ToString()))));
        Assert.Contains("AccessDenied", e.Message + e.InnerException?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Web_identity_from_the_environment_goes_through_STS()
    {
        var tokenFile = Path.Combine(_dir, "token");
        await File.WriteAllTextAsync(tokenFile, "oidc-token-123");
        _sts.WebIdentityToken = "oidc-token-123";
        _sts.RoleArn = "arn:aws:iam::123456789012:role/flows-ci";
        var c = await Resolve(Env(("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile), ("AWS_ROLE_ARN", _sts.RoleArn), ("AWS_ENDPOINT_URL_STS", _sts.Endpoint.ToString())));
        Assert.StartsWith("ASIA", c!.AccessKeyId, StringComparison.Ordinal);
        Assert.Contains("AssumeRoleWithWebIdentity", _sts.Calls);
    }

    [Fact]
    public async Task Nothing_is_null_and_a_missing_named_profile_is_an_error()
    {
        Assert.Null(await Resolve(Env()));
        var e = Assert.Throws<AwsException>(() => new AwsCredentialChain(Env(("AWS_PROFILE", "nope")).GetValueOrDefault).Find("us-east-1"));
        Assert.Equal(AwsException.BadConfiguration, e.Kind);
        Assert.Contains("'nope'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ECR_host_without_AWS_credentials_uses_docker_config_and_other_hosts_never_use_AWS()
    {
        var auths = new System.Text.Json.Nodes.JsonObject
        {
            [FakeEcrApi.Registry] = new System.Text.Json.Nodes.JsonObject { ["auth"] = Convert.ToBase64String("AWS:from-docker"u8) },
        };
        File.WriteAllText(Path.Combine(_dir, "config.json"), new System.Text.Json.Nodes.JsonObject { ["auths"] = auths }.ToJsonString());
        var env = Env(("DOCKER_CONFIG", _dir));
        var (ecr, _) = RegistryAccessFactory.Create(FakeEcrApi.Registry, env.GetValueOrDefault, NullLogger.Instance, new RegistryAccessOptions());
        Assert.IsType<StaticRegistryAccess>(ecr);
        Assert.Equal("from-docker", (await ecr.GetCredentialAsync(false))!.Secret);

        env["AWS_ACCESS_KEY_ID"] = "AKID";
        env["AWS_SECRET_ACCESS_KEY"] = "secret";
        Assert.IsType<EcrRegistryAccess>(RegistryAccessFactory.Create(FakeEcrApi.Registry, env.GetValueOrDefault, NullLogger.Instance, new RegistryAccessOptions()).Access);
        Assert.IsType<StaticRegistryAccess>(RegistryAccessFactory.Create("localhost:5001", env.GetValueOrDefault, NullLogger.Instance, new RegistryAccessOptions()).Access);

        // The test-only endpoint mapping applies to ECR hosts, never to others.
        env[RegistryAccessFactory.TestEcrRegistryEndpointVariable] = "http://localhost:5001";
        Assert.Equal("http://localhost:5001/", RegistryAccessFactory.Create(FakeEcrApi.Registry, env.GetValueOrDefault, NullLogger.Instance, new RegistryAccessOptions()).Endpoint?.ToString());
        Assert.Null(RegistryAccessFactory.Create("ghcr.io", env.GetValueOrDefault, NullLogger.Instance, new RegistryAccessOptions()).Endpoint);
    }
}
