using Flows.Api.Models;
using Flows.Testing;
using Flows.Workers.Docker;

namespace Flows.Workers.Tests.Docker;

/// <summary>The docker worker runs the Native AOT image of hello (runtime-deps base, no .NET runtime) to Completed.</summary>
public sealed class AotImageTests : IClassFixture<DockerFixture>
{
    private readonly DockerFixture _fixture;

    public AotImageTests(DockerFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task The_aot_hello_image_on_runtime_deps_is_pulled_and_runs_a_deployed_run_to_completed()
    {
        var image = await LeanHello.AotImageAsync(_fixture.Docker, _fixture.Server.Home);
        var pool = "docker-aot-" + Guid.NewGuid().ToString("N")[..8];
        await _fixture.CreateDockerPoolAsync(pool);
        // No command: the image's entrypoint is the native app, the runner when PREFECT__FLOW_RUN_ID is set.
        // Always: the same image is shared with the fake node's test, whose pull may have left a local copy.
        var deployment = await _fixture.DeployAsync(pool, "hello", $$"""{ "image": "{{image}}", "image_pull_policy": "Always", "auto_remove": true }""", "HelloFlows.cs:hello", """{ "name": "Arthur" }""");
        var runId = (await _fixture.Server.Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment)).Id;
        using var output = new StringWriter();
        var worker = new FlowWorker(_fixture.Server.Client, new WorkerOptions { WorkPool = pool, PollInterval = TimeSpan.FromMilliseconds(100) },
            new DockerInfrastructure(_fixture.Docker, output), output);
        using var stop = new CancellationTokenSource();
        var running = worker.RunAsync(stop.Token);

        var run = await _fixture.Server.WaitAsync(runId, WorkerFixture.IsFinal);
        await stop.CancelAsync();
        await running;

        Assert.True(run.StateType == StateType.Completed, $"{run.StateType}: {run.State?.Message}\n{output}");
        Assert.Contains($"Pulling image {image}", output.ToString(), StringComparison.Ordinal);
        var logs = await _fixture.Server.Client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [runId] } } });
        Assert.Contains(logs, l => l.Message == "Hello, Arthur!");
    }
}
