using Docker.DotNet;
using Docker.DotNet.Models;
using Flows.Api.Models;
using Flows.Workers.Docker;

namespace Flows.Workers.Tests.Docker;

/// <summary>
/// Docker runs survive what is not their end: a broken wait stream (the container is looked at again, not judged
/// Crashed), and a worker that died (the next one re-attaches to the container by its recorded id).
/// </summary>
public sealed class DockerBlipTests : IClassFixture<DockerFixture>
{
    private readonly DockerFixture _fixture;

    public DockerBlipTests(DockerFixture fixture) => _fixture = fixture;

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private async Task<Guid> HelloDeploymentAsync(string pool, string command = "dotnet /app/hello.dll")
    {
        await _fixture.CreateDockerPoolAsync(pool);
        var appDir = Path.GetDirectoryName(WorkerFixture.HelloApp)!;
        return await _fixture.DeployAsync(pool, "hello", $$"""
            { "image": "{{DockerFixture.RuntimeImage}}", "command": "{{command}}", "volumes": ["{{appDir}}:/app:ro"], "auto_remove": true }
            """, "HelloFlows.cs:hello", """{ "name": "Arthur" }""");
    }

    private async Task<FlowRun> RunWorkerUntilFinalAsync(string pool, Guid runId, IDockerClient docker, StringWriter output)
    {
        var options = new WorkerOptions { WorkPool = pool, PollInterval = TimeSpan.FromMilliseconds(100) };
        var worker = new FlowWorker(_fixture.Server.Client, options, new DockerInfrastructure(docker, output), output);
        using var stop = new CancellationTokenSource();
        var running = worker.RunAsync(stop.Token);
        var run = await _fixture.Server.WaitAsync(runId, WorkerFixture.IsFinal);
        await stop.CancelAsync();
        await running;
        return run;
    }

    [Fact]
    public async Task A_wait_stream_that_breaks_is_resumed_and_the_run_completes()
    {
        var pool = Unique("blip");
        var deployment = await HelloDeploymentAsync(pool, "sh -c 'sleep 1; exec dotnet /app/hello.dll'");
        var runId = (await _fixture.Server.Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment)).Id;
        using var output = new StringWriter();

        var run = await RunWorkerUntilFinalAsync(pool, runId, FlakyDocker.FailContainerCall(_fixture.Docker, nameof(IContainerOperations.WaitContainerAsync), failures: 2,
            () => new IOException("The response ended prematurely (test: a broken wait stream).")), output);

        Assert.True(run.StateType == StateType.Completed, $"{run.StateType}: {run.State?.Message}\n{output}");
        Assert.Contains("looking at it again", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_container_left_by_a_dead_worker_is_re_attached_by_the_next_and_a_vanished_one_is_reported()
    {
        var pool = Unique("reattach");
        var deployment = await HelloDeploymentAsync(pool);
        var client = _fixture.Server.Client;
        var liveRun = (await client.Deployments.CreateFlowRunFromDeploymentAsync(deployment)).Id;
        var goneRun = (await client.Deployments.CreateFlowRunFromDeploymentAsync(deployment)).Id;

        // What a worker that died right after starting the container leaves: the run claimed, the container id recorded.
        var appDir = Path.GetDirectoryName(WorkerFixture.HelloApp)!;
        var container = await _fixture.Docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = DockerFixture.RuntimeImage,
            Cmd = ["sh", "-c", "sleep 2; exec dotnet /app/hello.dll"],
            Env = [$"PREFECT__FLOW_RUN_ID={liveRun}", $"PREFECT_API_URL={_fixture.Server.ApiUrl.ToString().TrimEnd('/')}"],
            Labels = new Dictionary<string, string> { ["prefect.io/flow-run-id"] = liveRun.ToString() },
            HostConfig = new HostConfig { NetworkMode = "host", Binds = [$"{appDir}:/app:ro"] },
        });
        await _fixture.Docker.Containers.StartContainerAsync(container.ID, new ContainerStartParameters());
        foreach (var (run, id) in new[] { (liveRun, container.ID), (goneRun, new string('0', 64)) })
        {
            await client.FlowRuns.SetFlowRunStateAsync(run, new StateCreate { Type = StateType.Pending, Name = "Pending" });
            await client.FlowRuns.UpdateFlowRunAsync(run, new FlowRunUpdate { InfrastructurePid = id });
        }

        using var output = new StringWriter();
        var live = await RunWorkerUntilFinalAsync(pool, liveRun, _fixture.Docker, output);
        var gone = await _fixture.Server.WaitAsync(goneRun, WorkerFixture.IsFinal);

        Assert.True(live.StateType == StateType.Completed, $"{live.StateType}: {live.State?.Message}\n{output}");
        Assert.Contains($"Re-attached to container {container.ID[..12]}", output.ToString(), StringComparison.Ordinal);
        Assert.False(await _fixture.ContainerExistsAsync(container.ID), "auto_remove applies to a re-attached container too");
        Assert.Equal(StateType.Crashed, gone.StateType);
        Assert.Contains("is gone", gone.State!.Message, StringComparison.Ordinal);
    }
}
