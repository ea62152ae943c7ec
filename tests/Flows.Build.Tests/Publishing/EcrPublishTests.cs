using System.Net;
using System.Text;
using Flows.Deploy.Publishing;
using Flows.Deploy.Tests.Aws;
using Flows.Deploy.Tests.Publishing;

namespace Flows.Build.Tests.Publishing;

/// <summary>
/// <c>dotnet publish -p:DeployFlows=true</c> to an Amazon ECR host with AWS keys only (no aws CLI, no docker login): the
/// fake ECR API checks each request's signature and hands out the password of the real htpasswd registry on :5001,
/// which stands in for ECR's registry through the test-only FLOWS_TEST_ECR_REGISTRY_ENDPOINT mapping.
/// </summary>
[Collection(PublishCollection.Name)]
public sealed class EcrPublishTests(PublishFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private const string AccessKey = "AKIDFLOWSPUBLISH0001";
    private const string Secret = "publish/secret+0000000000000000000000000";
    private FakeEcrApi _fake = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeEcrApi.StartAsync(fixture.AwsPassword);
        _fake.AddKey(AccessKey, Secret);
    }

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private Dictionary<string, string?> Env(string registryEndpoint) => new()
    {
        ["AWS_ACCESS_KEY_ID"] = AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = Secret,
        ["AWS_SESSION_TOKEN"] = null,
        ["AWS_PROFILE"] = null,
        ["AWS_ENDPOINT_URL_ECR"] = _fake.Endpoint.ToString(),
        [RegistryAccessFactory.TestEcrRegistryEndpointVariable] = registryEndpoint,
        // nothing of the SDK's own credential variables: the token must come from ECR
        ["DOTNET_CONTAINER_REGISTRY_UNAME"] = null,
        ["DOTNET_CONTAINER_REGISTRY_PWORD"] = null,
    };

    private PublishRun Log(PublishRun run, string what)
    {
        output.WriteLine($"--- {what}: exit {run.ExitCode}, {run.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine(run.Output);
        output.WriteLine("fake ECR calls: " + string.Join(", ", _fake.Calls));
        return run;
    }

    private static string UniqueRepository(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    [Fact]
    public async Task Publish_to_ECR_through_a_registry_answering_429_then_503_succeeds_and_the_token_appears_nowhere()
    {
        // 127.0.0.1:5001 behind the proxy: the first PUT is answered 429, the second 503, then everything goes through.
        await using var proxy = new FaultProxy(PublishFixture.AuthRegistry.Replace("localhost", "127.0.0.1", StringComparison.Ordinal),
            r => r.HttpMethod == "PUT", [HttpStatusCode.TooManyRequests, HttpStatusCode.ServiceUnavailable]);
        var project = new SampleProject(fixture, "ecr");
        var sha = await Dotnet.GitAsync(project.Directory, "rev-parse", "--short=7", "HEAD");
        var repository = UniqueRepository("ecr");
        var imageName = $"{FakeEcrApi.Registry}/{repository}";

        var run = Log(await project.PublishAsync(imageName, Env($"http://{proxy.Registry}")), "publish to ECR, 429 then 503");
        Assert.True(run.ExitCode == 0, run.ToString());

        var digest = project.ImageJson["digest"]!.GetValue<string>();
        Assert.Equal($"{imageName}:{sha}@{digest}", project.ImageJson["image"]!.GetValue<string>());
        Assert.Equal(digest, await RegistryProbe.ManifestDigestAsync(PublishFixture.AuthRegistry, repository, sha, fixture.AwsPassword));
        Assert.Equal($"{imageName}:{sha}@{digest}", (await fixture.Client.Deployments.ReadDeploymentByNameAsync("hello", "default")).JobVariables["image"].GetString());

        // Every ECR call was signed correctly; one token served both publish phases; the repository was created once.
        Assert.Empty(_fake.Rejected);
        Assert.Equal(1, _fake.Count("GetAuthorizationToken"));
        Assert.Equal([$"CreateRepository {repository}"], _fake.Calls.Where(c => c.StartsWith("CreateRepository", StringComparison.Ordinal)));
        Assert.Equal(2, proxy.FaultsInjected);
        Assert.Contains("429", run.Output, StringComparison.Ordinal);
        Assert.Contains("503", run.Output, StringComparison.Ordinal);

        // Token hygiene: neither the registry password, nor the token ECR returned (base64 AWS:password), nor the AWS
        // secret is in the build output or in any file the build wrote (obj/, bin/, the image archive, the repository).
        var secrets = new[] { fixture.AwsPassword, Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + fixture.AwsPassword)), Secret };
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, run.Output, StringComparison.Ordinal);
        }

        var scanned = 0;
        foreach (var file in Directory.EnumerateFiles(project.Directory, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            foreach (var secret in secrets)
            {
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"{file} contains a secret");
            }

            scanned++;
        }

        Assert.True(scanned > 20, $"only {scanned} files scanned");
        Assert.True(File.Exists(Path.Combine(project.FlowsDirectory, "image.tar")));
    }

    [Fact]
    public async Task Publish_with_a_role_profile_assumes_the_role_through_STS_inside_the_MSBuild_task()
    {
        // The AWS SDK loads AWSSDK.SecurityToken by name for role_arn profiles: this proves it does inside the task host.
        var aws = Directory.CreateTempSubdirectory("flows-aws-profile-").FullName;
        _fake.RoleArn = "arn:aws:iam::123456789012:role/publisher";
        await File.WriteAllTextAsync(Path.Combine(aws, "credentials"), $"[base]\naws_access_key_id = {AccessKey}\naws_secret_access_key = {Secret}\n");
        await File.WriteAllTextAsync(Path.Combine(aws, "config"), $"[profile publish]\nrole_arn = {_fake.RoleArn}\nsource_profile = base\nregion = {FakeEcrApi.Region}\n");
        var env = Env($"http://{PublishFixture.AuthRegistry}");
        env["AWS_ACCESS_KEY_ID"] = null;
        env["AWS_SECRET_ACCESS_KEY"] = null;
        env["AWS_PROFILE"] = "publish";
        env["AWS_CONFIG_FILE"] = Path.Combine(aws, "config");
        env["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(aws, "credentials");
        env["AWS_ENDPOINT_URL_STS"] = _fake.Endpoint.ToString();
        var project = new SampleProject(fixture, "ecr-role");
        var repository = UniqueRepository("ecrrole");

        var run = Log(await project.PublishAsync($"{FakeEcrApi.Registry}/{repository}", env), "publish with a role profile");
        Assert.True(run.ExitCode == 0, run.ToString());
        // Each publish phase resolves the profile (the ECR token itself is fetched once and shared): every AssumeRole is
        // signed with the source profile's key.
        Assert.NotEmpty(_fake.AssumedBy);
        Assert.All(_fake.AssumedBy, key => Assert.Equal(AccessKey, key));
        Assert.Empty(_fake.Rejected);
        Assert.Equal(1, _fake.Count("GetAuthorizationToken"));
        Assert.DoesNotContain(Secret, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FlowsCreateRepository_false_pushes_without_creating_and_a_wrong_token_is_one_coded_error()
    {
        var project = new SampleProject(fixture, "ecr-nocreate");
        var repository = UniqueRepository("ecrnc");
        var imageName = $"{FakeEcrApi.Registry}/{repository}";

        var run = Log(await project.PublishAsync(imageName, Env($"http://{PublishFixture.AuthRegistry}"), "FlowsCreateRepository=false"), "FlowsCreateRepository=false");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(0, _fake.Count("CreateRepository"));
        Assert.Empty(_fake.Rejected);

        // The registry refuses the token twice (the second after a fresh GetAuthorizationToken): one error, coded, naming
        // the registry and what to check, before anything is built.
        _fake.ScriptedPasswords.Enqueue("expired-token-1");
        _fake.ScriptedPasswords.Enqueue("expired-token-2");
        await File.AppendAllTextAsync(Path.Combine(project.Directory, "HelloFlows.cs"), "\n// another commit\n");
        project.Commit("change");
        var wrong = Log(await project.PublishAsync(imageName, Env($"http://{PublishFixture.AuthRegistry}")), "wrong token");
        Assert.NotEqual(0, wrong.ExitCode);
        var errors = wrong.Output.Split('\n').Where(l => l.Contains(": error ", StringComparison.Ordinal)).Distinct().ToList();
        Assert.True(errors.Count == 1, string.Join('\n', errors));
        Assert.Contains($"error {PublishDiagnosticCodes.EcrTokenRefused}", errors[0], StringComparison.Ordinal);
        Assert.Contains(FakeEcrApi.Registry, errors[0], StringComparison.Ordinal);
        Assert.Contains("account " + FakeEcrApi.AccountId, errors[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Building image", wrong.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("expired-token", wrong.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.AwsPassword, run.Output + wrong.Output, StringComparison.Ordinal);
    }
}
