using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Server;

using Flows.Testing;

namespace Flows.Cli.Tests.Commands;

/// <summary>
/// <c>flows-deploy deploy</c> with image steps, for real: samples/hello published by the SDK into an OCI archive, pushed to
/// the registry <c>.ci/registry.sh</c> runs on localhost:5000, and registered with the embedded server; plus what must
/// stop before anything is built or pushed.
/// </summary>
[Collection(SampleHelloBuilds.Name)]
public sealed class DeployImageTests : IAsyncLifetime
{
    private const string Registry = "localhost:5000";
    private const string BaseImage = "localhost:5000/dotnet/runtime:10.0";
    private readonly string _repository = "cli-deploy-" + Guid.NewGuid().ToString("N")[..8];
    private readonly HttpClient _registry = new() { BaseAddress = new Uri($"http://{Registry}/") };
    private TestServer _server = null!;

    private PrefectClient Client => _server.Client;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync("flows-cli-image");
        await Client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = "kubernetes", Type = "kubernetes" });
    }

    public async Task DisposeAsync()
    {
        _registry.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<(int Exit, string Out, string Err)> DeployAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new Dictionary<string, string?>
        {
            ["PREFECT_API_URL"] = _server.ApiUrl,
            ["PREFECT_IMAGE_NAME"] = $"{Registry}/{_repository}",
            ["PATH"] = Environment.GetEnvironmentVariable("PATH"),
        };
        var exit = await CliApp.InvokeAsync(["deploy", .. args], new CliConsole(output, error, name => environment.GetValueOrDefault(name)));
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Deploy_builds_the_seed_image_once_pushes_it_and_registers_both_deployments_pinned_by_digest()
    {
        var (exit, output, error) = await DeployAsync("--all", "--project", CliTestHelper.Sample("hello"), "-o", "json", "--property", $"ContainerBaseImage={BaseImage}");
        Assert.True(exit == 0, $"exit {exit}\n{output}\n{error}");

        var result = JsonNode.Parse(output)!.AsObject();
        var built = Assert.Single(result["built_images"]!.AsArray())!;
        var tag = built["tag"]!.GetValue<string>();
        var digest = built["digest"]!.GetValue<string>();
        Assert.Equal(await GitAsync("rev-parse", "--short", "HEAD"), tag);
        Assert.Equal(digest, await ManifestDigestAsync(tag));
        var pinned = $"{Registry}/{_repository}:{tag}@{digest}";
        Assert.Equal(pinned, built["image"]!.GetValue<string>());

        // The app sits where the seed's pull step (set_working_directory /opt/prefect/flows) expects it.
        var config = await ConfigAsync(tag);
        Assert.Equal("/opt/prefect/flows", config["config"]!["WorkingDir"]!.GetValue<string>().TrimEnd('/'));
        Assert.Equal("amd64", config["architecture"]!.GetValue<string>());

        foreach (var name in new[] { "default", "arthur" })
        {
            var deployment = await Client.Deployments.ReadDeploymentByNameAsync("hello", name);
            Assert.Equal(pinned, deployment.JobVariables!["image"].GetString());
        }

        Assert.Contains("Building", error, StringComparison.Ordinal);
        Assert.Contains("dotnet publish", error, StringComparison.Ordinal);

        // Again: the same deployments (upsert). A clean checkout's commit tag is reused without a build; a dirty one is
        // rebuilt and pushed again (the SDK's images are not byte-reproducible, so only the tag says "same content").
        var again = await DeployAsync("--all", "--project", CliTestHelper.Sample("hello"), "-o", "json", "--property", $"ContainerBaseImage={BaseImage}");
        Assert.True(again.Exit == 0, again.Err);
        var second = JsonNode.Parse(again.Out)!;
        var rebuilt = Assert.Single(second["built_images"]!.AsArray())!;
        var clean = (await GitAsync("status", "--porcelain")).Length == 0;
        Assert.Equal(clean, rebuilt["skipped"]!.GetValue<bool>());
        if (clean)
        {
            Assert.Equal(digest, rebuilt["digest"]!.GetValue<string>());
            Assert.DoesNotContain("dotnet publish", again.Err, StringComparison.Ordinal);
        }

        Assert.Equal(result["deployments"]!.AsArray().Select(d => d!["id"]!.GetValue<string>()), second["deployments"]!.AsArray().Select(d => d!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task With_PublishAot_the_image_is_the_native_app_alone_on_runtime_deps_and_registered_pinned()
    {
        // Its own copy of samples/hello: other tests build and restore the sample in place at the same time.
        var project = SampleCopy.Create(CliTestHelper.RepoRoot, "hello", "cli-aot-" + _repository);

        try
        {
            const string runtimeDeps = "localhost:5000/dotnet/runtime-deps:10.0";
            var (exit, output, error) = await DeployAsync("--all", "--project", project, "-o", "json", "--property", "PublishAot=true", "--property", $"ContainerBaseImage={runtimeDeps}");
            Assert.True(exit == 0, $"exit {exit}\n{output}\n{error}");

            var built = Assert.Single(JsonNode.Parse(output)!["built_images"]!.AsArray())!;
            var tag = built["tag"]!.GetValue<string>();
            var entrypoint = (await ConfigAsync(tag))["config"]!["Entrypoint"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
            Assert.EndsWith("/hello", Assert.Single(entrypoint), StringComparison.Ordinal); // the native executable, no `dotnet hello.dll`

            // runtime-deps underneath (no .NET runtime layer), the app as the one layer on top.
            var layers = (await ManifestAsync(_repository, tag))["layers"]!.AsArray().Select(l => l!["digest"]!.GetValue<string>()).ToList();
            var baseLayers = (await ManifestAsync("dotnet/runtime-deps", "10.0"))["layers"]!.AsArray().Select(l => l!["digest"]!.GetValue<string>());
            Assert.Equal(baseLayers, layers[..^1]);
            foreach (var name in new[] { "default", "arthur" })
            {
                Assert.Equal(built["image"]!.GetValue<string>(), (await Client.Deployments.ReadDeploymentByNameAsync("hello", name)).JobVariables!["image"].GetString());
            }
        }
        finally
        {
            Directory.Delete(project, recursive: true);
        }
    }

    [Fact]
    public async Task A_Dockerfile_image_is_built_by_the_engine_with_its_build_args_and_extra_tags_and_the_deployment_pinned()
    {
        var dir = Path.GetDirectoryName(CliTestHelper.WriteTemp("Dockerfile", "FROM scratch\nARG GREETING\nLABEL greeting=$GREETING\nCOPY app.txt /app/app.txt\n"))!;
        await File.WriteAllTextAsync(Path.Combine(dir, "app.txt"), "hello");
        await File.WriteAllTextAsync(Path.Combine(dir, "prefect.yaml"), """
            build:
            - prefect_docker.deployments.steps.build_docker_image:
                id: build-image
                image_name: "{{ $PREFECT_IMAGE_NAME }}"
                tag: v1
                dockerfile: Dockerfile
                platform: linux/amd64
                buildargs: { GREETING: Arthur }
                additional_tags: [latest]
            deployments:
            - name: d
              entrypoint: HelloFlows.cs:hello
              work_pool: { name: kubernetes, job_variables: { image: "{{ build-image.image }}" } }
            """);
        var (exit, output, error) = await DeployAsync("--all", "--project", dir, "--manifest-assembly", CliTestHelper.Manifest, "-o", "json");
        Assert.True(exit == 0, $"exit {exit}\n{output}\n{error}");

        var built = Assert.Single(JsonNode.Parse(output)!["built_images"]!.AsArray())!;
        var digest = built["digest"]!.GetValue<string>();
        Assert.Equal(digest, await ManifestDigestAsync("v1"));
        Assert.Equal(digest, await ManifestDigestAsync("latest"));
        Assert.Equal("Arthur", (await ConfigAsync("v1"))["config"]!["Labels"]!["greeting"]!.GetValue<string>());
        var deployment = await Client.Deployments.ReadDeploymentByNameAsync("hello", "d");
        Assert.Equal($"{Registry}/{_repository}:v1@{digest}", deployment.JobVariables!["image"].GetString());
    }

    [Fact]
    public async Task An_image_name_without_a_registry_stops_the_deploy_before_any_build_push_or_registration()
    {
        var file = CliTestHelper.WriteTemp("prefect.yaml", $$$"""
            build:
            - prefect_docker.deployments.steps.build_docker_image:
                id: good
                image_name: {{{Registry}}}/{{{_repository}}}
                tag: t1
                dockerfile: auto
            - prefect_docker.deployments.steps.build_docker_image:
                id: bad
                image_name: flows/no-registry
                tag: t1
                dockerfile: auto
            deployments:
            - name: one
              entrypoint: HelloFlows.cs:hello
              work_pool: { name: kubernetes, job_variables: { image: "{{ good.image }}" } }
            - name: two
              entrypoint: HelloFlows.cs:hello
              work_pool: { name: kubernetes, job_variables: { image: "{{ bad.image }}" } }
            """);
        var (exit, _, error) = await DeployAsync("--all", "--project", CliTestHelper.Sample("hello"), "--prefect-file", file, "--manifest-assembly", CliTestHelper.Manifest);

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("error FLOWS3505", error, StringComparison.Ordinal);
        Assert.Contains("flows/no-registry", error, StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet publish", error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _registry.GetAsync($"v2/{_repository}/tags/list")).StatusCode);
        Assert.Empty(await Client.Deployments.ReadDeploymentsAsync());
    }

    [Fact]
    public async Task A_project_that_does_not_compile_fails_with_the_compiler_error_and_registers_nothing()
    {
        var dir = Path.GetDirectoryName(CliTestHelper.WriteTemp("broken.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup>
            </Project>
            """))!;
        await File.WriteAllTextAsync(Path.Combine(dir, "Program.cs"), "this is not C#");
        await File.WriteAllTextAsync(Path.Combine(dir, "prefect.yaml"), """
            build:
            - prefect_docker.deployments.steps.build_docker_image:
                id: build-image
                image_name: "{{ $PREFECT_IMAGE_NAME }}"
                tag: broken
                dockerfile: auto
            deployments:
            - name: d
              entrypoint: HelloFlows.cs:hello
              work_pool: { name: kubernetes, job_variables: { image: "{{ build-image.image }}" } }
            """);
        var (exit, _, error) = await DeployAsync("--all", "--project", dir, "--manifest-assembly", CliTestHelper.Manifest);

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Matches(@"error FLOWS3591: dotnet publish -t:PublishContainer of .*broken\.csproj failed .*error CS", error);
        Assert.Equal(HttpStatusCode.NotFound, (await _registry.GetAsync($"v2/{_repository}/tags/list")).StatusCode);
        Assert.Empty(await Client.Deployments.ReadDeploymentsAsync());
    }

    private async Task<JsonNode> ManifestAsync(string repository, string tag)
    {
        using var request = ManifestRequest(HttpMethod.Get, tag, repository);
        using var response = await _registry.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private HttpRequestMessage ManifestRequest(HttpMethod method, string tag, string? repository = null)
    {
        var request = new HttpRequestMessage(method, $"v2/{repository ?? _repository}/manifests/{tag}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.oci.image.manifest.v1+json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.docker.distribution.manifest.v2+json"));
        return request;
    }

    private async Task<string> ManifestDigestAsync(string tag)
    {
        using var request = ManifestRequest(HttpMethod.Head, tag);
        using var response = await _registry.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return response.Headers.GetValues("Docker-Content-Digest").Single();
    }

    private async Task<JsonNode> ConfigAsync(string tag)
    {
        using var request = ManifestRequest(HttpMethod.Get, tag);
        using var response = await _registry.SendAsync(request);
        var manifest = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return JsonNode.Parse(await _registry.GetStringAsync($"v2/{_repository}/blobs/{manifest["config"]!["digest"]!.GetValue<string>()}"))!;
    }

    private static async Task<string> GitAsync(params string[] args)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = CliTestHelper.Sample("hello") };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var git = Process.Start(start)!;
        var text = await git.StandardOutput.ReadToEndAsync();
        await git.WaitForExitAsync();
        return text.Trim();
    }
}
