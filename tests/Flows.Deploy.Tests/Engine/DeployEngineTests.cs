using Flows.Deploy.Diagnostics;
using Flows.Deploy.Engine;
using Flows.Deploy.ImageSources;
using Flows.Deploy.Planning;
using Flows.Deploy.Publishing;
using Flows.Deploy.Registration;
using Flows.Deploy.Steps;
using Microsoft.Extensions.Logging;

namespace Flows.Deploy.Tests.Engine;

/// <summary>The one pipeline with its seams replaced: an image source that reports an image as pushed (no registry)
/// and a registrar that records what it was given (no server). Real pushes and servers: Flows.Cli.Tests DeployImageTests
/// and Flows.Build.Tests DeployFlowsPublishTests.</summary>
public sealed class DeployEngineTests
{
    private const string Digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    // A build step with a side effect (one line per run) whose output is the image tag.
    private static string Project(string tagScript = "echo v1")
    {
        var dir = TestSupport.TempDirectory();
        File.WriteAllText(Path.Combine(dir, "prefect.yaml"), $$$"""
            build:
            - prefect.deployments.steps.run_shell_script:
                id: tag
                script: sh -c '{{{tagScript}}}; echo ran >> runs.txt'
            - prefect_docker.deployments.steps.build_docker_image:
                id: build-image
                image_name: localhost:5000/hello
                tag: "{{ tag.stdout }}"
                dockerfile: Dockerfile
            deployments:
            - name: a
              entrypoint: HelloFlows.cs:hello
              parameters: { name: "{{ build-image.image }}" }
              work_pool: { name: kubernetes, job_variables: { image: "{{ build-image.image }}", other: "{{ build-image.image }}-not-pinned" } }
            - name: b
              entrypoint: HelloFlows.cs:hello
              work_pool: { name: kubernetes, job_variables: { image: "{{ build-image.image }}" } }
            """);
        return dir;
    }

    private static DeployRequest Request(string project) => new()
    {
        Project = project,
        ManifestAssembly = TestSupport.ManifestFile(),
        All = true,
        Environment = TestSupport.Env,
    };

    [Fact]
    public async Task The_steps_run_once_each_image_is_obtained_once_and_the_registered_plan_is_pinned_to_the_pushed_digest()
    {
        var project = Project();
        var request = Request(project);
        var logger = new ListLogger();
        var engine = new DeployEngine(logger, new AllPoolsExist());
        var source = new PushedBySource();
        var registrar = new RecordingRegistrar();

        var plan = await engine.PlanAsync(request);
        var checkedDeploy = await engine.CheckAsync(request, plan, [source], new DeployOptions());
        var outcome = await engine.PublishAsync(checkedDeploy, registrar);

        Assert.Equal(["ran"], await File.ReadAllLinesAsync(Path.Combine(project, "runs.txt")));
        Assert.Equal(["localhost:5000/hello:v1"], source.Obtained);
        var pinned = $"localhost:5000/hello:v1@{Digest}";
        var registered = Assert.Single(registrar.Plans);
        Assert.All(registered.Deployments, d => Assert.Equal(pinned, d.Body.JobVariables!["image"].GetString()));
        Assert.Equal(pinned, registered.Deployments[0].Body.Parameters!["name"].GetString());
        // Only whole values that are the image reference are pinned.
        Assert.Equal("localhost:5000/hello:v1-not-pinned", registered.Deployments[0].Body.JobVariables!["other"].GetString());
        Assert.Same(registered, outcome.Plan);
        Assert.Single(logger.Lines, l => l.StartsWith("Pushed localhost:5000/hello:v1@", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_image_problem_is_reported_before_any_image_is_obtained()
    {
        var project = TestSupport.TempDirectory();
        File.WriteAllText(Path.Combine(project, "prefect.yaml"), """
            build:
            - prefect_docker.deployments.steps.build_docker_image: { id: one, image_name: no-registry, tag: v1, dockerfile: Dockerfile }
            - prefect_docker.deployments.steps.build_docker_image: { id: two, image_name: localhost:5000/auto, tag: v1, dockerfile: auto }
            - prefect_docker.deployments.steps.build_docker_image: { id: three, image_name: localhost:5000/ok, tag: v1, dockerfile: Dockerfile }
            deployments:
            - { name: a, entrypoint: "HelloFlows.cs:hello", work_pool: { name: kubernetes } }
            """);
        var request = Request(project);
        var engine = new DeployEngine(new ListLogger(), new AllPoolsExist());
        var source = new PushedBySource();
        var plan = await engine.PlanAsync(request);

        var e = await Assert.ThrowsAsync<DeployException>(() => engine.CheckAsync(request, plan, [source], new DeployOptions { ExtraTags = ["-bad"] }));

        Assert.Contains(e.Diagnostics, d => d.Code == PublishDiagnosticCodes.ImageNameInvalid && d.Message.Contains("no-registry", StringComparison.Ordinal));
        Assert.Contains(e.Diagnostics, d => d.Code == BuildDiagnosticCodes.NoBuilder && d.Message.Contains("localhost:5000/auto", StringComparison.Ordinal));
        Assert.Contains(e.Diagnostics, d => d.Code == PublishDiagnosticCodes.TagInvalid && d.Message.Contains("-bad", StringComparison.Ordinal));
        Assert.True(e.BadInput);
        Assert.Empty(source.Obtained);
    }

    [Fact]
    public async Task A_registration_that_fails_after_a_push_says_what_was_left_in_the_registry()
    {
        var request = Request(Project());
        var engine = new DeployEngine(new ListLogger(), new AllPoolsExist());
        var plan = await engine.PlanAsync(request);
        var checkedDeploy = await engine.CheckAsync(request, plan, [new PushedBySource()], new DeployOptions());

        var e = await Assert.ThrowsAsync<DeployException>(() => engine.PublishAsync(checkedDeploy, new RefusingRegistrar()));

        Assert.False(e.BadInput);
        Assert.Equal([PublishDiagnosticCodes.RegistrationFailed, PublishDiagnosticCodes.RegistrationFailed], e.Diagnostics.Select(d => d.Code));
        Assert.Contains("hello/b", e.Diagnostics[0].Message, StringComparison.Ordinal);
        Assert.Equal($"nothing was registered; pushed and left in the registry: localhost:5000/hello:v1@{Digest}", e.Diagnostics[1].Message);
    }

    [Fact]
    public async Task Files_are_written_with_the_pinned_plan_when_an_output_directory_is_given()
    {
        var request = Request(Project());
        var output = TestSupport.TempDirectory();
        var engine = new DeployEngine(new ListLogger(), new AllPoolsExist());
        var plan = await engine.PlanAsync(request);
        var checkedDeploy = await engine.CheckAsync(request, plan, [new PushedBySource()], new DeployOptions { OutputDirectory = output, ExtraTags = ["latest"] });

        var outcome = await engine.PublishAsync(checkedDeploy, registrar: null);

        Assert.Empty(outcome.DeploymentIds);
        var image = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(outcome.ImageJsonPath!))!;
        Assert.Equal($"localhost:5000/hello:v1@{Digest}", image["image"]!.GetValue<string>());
        Assert.Equal(["v1", "latest"], image["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Contains($"localhost:5000/hello:v1@{Digest}", await File.ReadAllTextAsync(outcome.DeploymentsJsonPath!), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task A_commit_tag_is_reusable_only_when_the_tree_was_clean(bool dirty, bool reusable)
    {
        var commit = new ImageTag(dirty ? "abcdef0-dirty" : "abcdef0", new string('a', 40), dirty, "git");
        Assert.Equal(reusable, await FixedContentTag.IsFixedAsync(commit.Tag, commit, TestSupport.TempDirectory()));
    }

    [Fact]
    public async Task Outside_a_repository_a_file_tag_is_never_reused()
    {
        Assert.False(await FixedContentTag.IsFixedAsync("abcdef0", null, TestSupport.TempDirectory()));
        Assert.False(await FixedContentTag.IsFixedAsync("v1", null, TestSupport.RepoRoot));
    }

    private sealed class PushedBySource : IImageSource
    {
        public List<string> Obtained { get; } = [];

        public bool Takes(PlannedImage image) => !image.IsAuto;

        public Task<ObtainedImage> ObtainAsync(ImageBuildRequest request, CancellationToken cancellationToken = default)
        {
            Obtained.Add(request.Image.Reference);
            return Task.FromResult<ObtainedImage>(new EnginePushedImage(new BuiltImage(request.Image.ImageName, request.Image.Tag, Digest, null, false, 1)));
        }
    }

    private sealed class RecordingRegistrar : IDeploymentRegistrar
    {
        public List<DeploymentPlan> Plans { get; } = [];

        public Task<IReadOnlyList<Guid>> RegisterAsync(DeploymentPlan plan, CancellationToken cancellationToken = default)
        {
            Plans.Add(plan);
            return Task.FromResult<IReadOnlyList<Guid>>([.. plan.Deployments.Select(_ => Guid.NewGuid())]);
        }
    }

    private sealed class RefusingRegistrar : IDeploymentRegistrar
    {
        public Task<IReadOnlyList<Guid>> RegisterAsync(DeploymentPlan plan, CancellationToken cancellationToken = default) =>
            throw new DeploymentRegistrationException("hello/b", new HttpRequestException("refused"), ["hello/a: new, deleted again"]);
    }

    private sealed class AllPoolsExist : IWorkPoolLookup
    {
        public Task<bool?> ExistsAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult<bool?>(true);
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
