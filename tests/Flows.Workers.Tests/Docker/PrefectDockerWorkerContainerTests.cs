using Docker.DotNet.Models;
using Flows.Api.Models;

namespace Flows.Workers.Tests.Docker;

/// <summary>
/// Our image under Prefect's own Docker worker: the test plays Prefect's worker (prefect-docker 3.x,
/// <c>DockerWorker._build_container_settings</c> after <c>prepare_for_flow_run</c>) for a deployment that leaves
/// <c>command</c> empty, and creates the container with the body that worker sends: the deployment's image, Prefect's
/// default command as <c>Cmd</c> (the image's entrypoint, our app, receives it as arguments), the environment
/// (<c>PREFECT_API_URL</c>, <c>PREFECT__FLOW_RUN_ID</c> and the attribution variables), its labels in Docker's reversed
/// form, the slugified run name, and host networking (what it picks for a loopback API on Linux). Only the worker
/// differs from production; the Engine, the registry, the image and the server are real.
/// </summary>
public sealed class PrefectDockerWorkerContainerTests : IClassFixture<DockerFixture>
{
    private readonly DockerFixture _fixture;

    public PrefectDockerWorkerContainerTests(DockerFixture fixture) => _fixture = fixture;

    public static TheoryData<string, bool> Commands => new()
    {
        { "prefect flow-run execute", true },                 // Prefect 3's default (BaseJobConfiguration._base_flow_run_command)
        { "python -m prefect.engine", true },                 // Prefect 2's workers
        { "prefect flow-run execute {id}", false },           // the id as an argument, PREFECT__FLOW_RUN_ID unset
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task The_container_prefects_docker_worker_creates_runs_the_flow_run_to_completed_with_its_logs(string command, bool flowRunIdInEnvironment)
    {
        var image = await _fixture.PushHelloImageAsync();
        var pool = "prefect-docker-" + Guid.NewGuid().ToString("N")[..8];
        await _fixture.CreateDockerPoolAsync(pool);
        var deploymentId = await _fixture.DeployAsync(pool, "hello", $$"""{ "image": "{{image}}" }""", "HelloFlows.cs:hello", """{ "name": "Arthur" }""");
        var client = _fixture.Server.Client;
        var run = await client.Deployments.CreateFlowRunFromDeploymentAsync(deploymentId);
        var deployment = await client.Deployments.ReadDeploymentAsync(deploymentId);
        var workPool = await client.WorkPools.ReadWorkPoolAsync(pool);

        // Prefect's worker proposes Pending before it submits the run to its infrastructure.
        var pending = await client.FlowRuns.SetFlowRunStateAsync(run.Id, new StateCreate { Type = StateType.Pending });
        Assert.Equal(SetStateStatus.Accept, pending.Status);

        var environment = new Dictionary<string, string>
        {
            ["PREFECT_API_URL"] = _fixture.Server.ApiUrl.ToString().TrimEnd('/'),
            ["PREFECT__WORKER_NAME"] = "DockerWorker 5c1f0e7a-prefect",
            ["PREFECT__FLOW_ID"] = run.FlowId.ToString(),
            ["PREFECT__FLOW_NAME"] = "hello",
            ["PREFECT__DEPLOYMENT_ID"] = deploymentId.ToString(),
            ["PREFECT__DEPLOYMENT_NAME"] = deployment.Name,
        };
        if (flowRunIdInEnvironment)
        {
            environment["PREFECT__FLOW_RUN_ID"] = run.Id.ToString();
        }

        var labels = new Dictionary<string, string>
        {
            ["io.prefect.flow-run-id"] = run.Id.ToString(),
            ["io.prefect.flow-run-name"] = run.Name ?? string.Empty,
            ["io.prefect.version"] = "3.4.0",
            ["io.prefect.work-pool-name"] = pool,
            ["io.prefect.work-pool-id"] = workPool.Id.ToString(),
            ["io.prefect.worker-name"] = "DockerWorker 5c1f0e7a-prefect",
            ["io.prefect.flow-id"] = run.FlowId.ToString(),
            ["io.prefect.flow-name"] = "hello",
            ["io.prefect.deployment-id"] = deploymentId.ToString(),
            ["io.prefect.deployment-name"] = deployment.Name,
        };

        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var docker = _fixture.Docker;
        await docker.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = image }, new AuthConfig(), new Progress<JSONMessage>(), limit.Token);
        var created = await docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = image,
            // docker-py splits the command string as a shell would; these have no quotes.
            Cmd = command.Replace("{id}", run.Id.ToString(), StringComparison.Ordinal).Split(' '),
            Env = environment.Select(e => $"{e.Key}={e.Value}").ToList(),
            Labels = labels,
            Name = "prefect-docker-" + run.Id.ToString("N")[..8] + "-" + Guid.NewGuid().ToString("N")[..6],
            HostConfig = new HostConfig { NetworkMode = "host", AutoRemove = false },
        }, limit.Token);
        try
        {
            await docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), limit.Token);
            var exit = await docker.Containers.WaitContainerAsync(created.ID, limit.Token);
            var finished = await client.FlowRuns.ReadFlowRunAsync(run.Id, limit.Token);

            Assert.True(exit.StatusCode == 0 && finished.StateType == StateType.Completed,
                $"exit {exit.StatusCode}, run {finished.StateType}: {finished.State?.Message}\n{await ContainerLogsAsync(created.ID, limit.Token)}");
            var logs = await client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [run.Id] } } }, limit.Token);
            Assert.Contains(logs, l => l.Message == "Hello, Arthur!");
        }
        finally
        {
            await docker.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
    }

    private async Task<string> ContainerLogsAsync(string id, CancellationToken cancellationToken)
    {
        using var stream = await _fixture.Docker.Containers.GetContainerLogsAsync(id, new ContainerLogsParameters { ShowStdout = true, ShowStderr = true }, cancellationToken);
        var (stdout, stderr) = await stream.ReadOutputToEndAsync(cancellationToken);
        return stdout + stderr;
    }
}
