using System.Text.Json.Nodes;
using Docker.DotNet.Models;
using Flows.Api.Models;
using Flows.Kubernetes.Fake;
using Flows.Workers.Kubernetes;

namespace Flows.Workers.Tests.Kubernetes.Node;

/// <summary>
/// How runs end when things go wrong on the node, with real containers: an image that does not exist, a flow that
/// fails, a container killed mid-run, a run cancelled from the API. Same set-up as <see cref="SeedPathTests"/>:
/// the chart's RBAC enforced, our worker with its token.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class NodeFailureTests
{
    private const string Namespace = NodeFixture.Namespace;

    private readonly NodeFixture _fixture;

    public NodeFailureTests(NodeFixture fixture) => _fixture = fixture;

    private static string Text(StringWriter output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static CancellationToken Bounded() => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;

    /// <summary>A fake with the chart installed, a seed pool (changed by <paramref name="changePool"/>), a worker on it, one run.</summary>
    private async Task<(FakeKubernetesApiServer Cluster, Guid RunId, StringWriter Output, Task Running, CancellationTokenSource Stop)> StartRunAsync(
        string flow, string entrypoint, string image, Action<JsonObject>? changePool = null)
    {
        var cluster = await _fixture.StartClusterAsync();
        var token = NodeFixture.InstallWorkerChart(cluster);
        var pool = "k8s-node-" + Guid.NewGuid().ToString("N")[..8];
        await _fixture.CreateSeedPoolAsync(pool, changePool);
        var deployment = await _fixture.DeployAsync(pool, flow, "default", entrypoint, image);
        var output = new StringWriter();
        var (running, stop) = _fixture.StartWorker(cluster, token, pool, output);
        return (cluster, await _fixture.RunAsync(deployment), output, running, stop);
    }

    private static IReadOnlyList<k8s.Models.V1Job> JobsOfRun(FakeKubernetesApiServer cluster, Guid runId) =>
        cluster.ListJobs(Namespace).Where(j => j.Metadata.Labels[JobManifestBuilder.FlowRunIdLabel] == runId.ToString()).ToList();

    [Fact]
    public async Task An_image_that_does_not_exist_backs_off_until_the_pod_watch_timeout_crashes_the_run_with_that_reason_and_deletes_the_job()
    {
        var (cluster, runId, output, running, stop) = await StartRunAsync("hello", "HelloFlows.cs:hello", "localhost:5000/flows-workers-tests/missing:none",
            template => template["variables"]!["properties"]!["pod_watch_timeout_seconds"]!["default"] = 15);
        await using var _ = cluster;

        var run = await _fixture.WaitAsync(runId, WorkerFixture.IsFinal);
        await stop.CancelAsync();
        await running;

        Assert.True(run.StateType == StateType.Crashed, $"{run.StateType}: {run.State?.Message}\n{Text(output)}");
        Assert.Contains($"{KubernetesDiagnosticCodes.PodNotStarted}: the pod of Job {Namespace}/", run.State?.Message, StringComparison.Ordinal);
        Assert.Contains("was not running within 15s (pod_watch_timeout_seconds): ImagePullBackOff: Back-off pulling image \"localhost:5000/flows-workers-tests/missing:none\"; the Job was deleted", run.State?.Message, StringComparison.Ordinal);
        Assert.Empty(JobsOfRun(cluster, runId));
        Assert.Empty(cluster.Refusals);
    }

    [Fact]
    public async Task A_flow_that_fails_ends_failed_with_its_log_and_the_pod_failed_with_exit_code_1()
    {
        var (cluster, runId, output, running, stop) = await StartRunAsync("fail", "FailFlows.cs:fail", _fixture.TestAppImage);
        await using var _ = cluster;

        var run = await _fixture.WaitAsync(runId, WorkerFixture.IsFinal);
        var job = JobsOfRun(cluster, runId).Single();
        var pod = await cluster.WaitAsync(() => cluster.PodsOfJob(Namespace, job.Metadata.Name).FirstOrDefault(p => p.Status?.Phase == "Failed"), Bounded());
        await stop.CancelAsync();
        await running;

        Assert.True(run.StateType == StateType.Failed, $"{run.StateType}: {run.State?.Message}\n{Text(output)}");
        Assert.Contains("failing", await _fixture.LogsAsync(runId));
        Assert.Equal(1, pod.Status.ContainerStatuses[0].State.Terminated.ExitCode);
        Assert.Empty(cluster.Refusals);
    }

    [Fact]
    public async Task A_container_killed_mid_run_crashes_the_run_with_its_exit_code()
    {
        var (cluster, runId, output, running, stop) = await StartRunAsync("wait", "WaitFlows.cs:wait", _fixture.TestAppImage);
        await using var _ = cluster;
        await _fixture.WaitAsync(runId, r => r.StateType == StateType.Running || WorkerFixture.IsFinal(r));
        var pod = cluster.PodsOfJob(Namespace, JobsOfRun(cluster, runId).Single().Metadata.Name).Single();

        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await _fixture.Docker.Docker.Containers.KillContainerAsync(cluster.ContainerOfPod(Namespace, pod.Metadata.Name)!, new ContainerKillParameters { Signal = "SIGKILL" }, limit.Token);
        }

        var run = await _fixture.WaitAsync(runId, WorkerFixture.IsFinal);
        await stop.CancelAsync();
        await running;

        Assert.True(run.StateType == StateType.Crashed, $"{run.StateType}: {run.State?.Message}\n{Text(output)}");
        Assert.Contains($"container prefect-job of pod {Namespace}/{pod.Metadata.Name} exited with code 137 (Error)", run.State?.Message, StringComparison.Ordinal);
        Assert.Equal(137, cluster.GetPod(Namespace, pod.Metadata.Name)!.Status.ContainerStatuses[0].State.Terminated.ExitCode);
    }

    [Fact]
    public async Task A_run_cancelled_from_the_api_has_its_job_deleted_and_its_container_removed_and_ends_cancelled()
    {
        var (cluster, runId, output, running, stop) = await StartRunAsync("wait", "WaitFlows.cs:wait", _fixture.TestAppImage);
        await using var _ = cluster;
        await _fixture.WaitAsync(runId, r => r.StateType == StateType.Running || WorkerFixture.IsFinal(r));
        await _fixture.WaitForLogAsync(runId, "waiting"); // the flow is inside its wait
        var pod = cluster.PodsOfJob(Namespace, JobsOfRun(cluster, runId).Single().Metadata.Name).Single();

        var cancelling = await _fixture.Client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Cancelling, Name = "Cancelling" });
        Assert.Equal(SetStateStatus.Accept, cancelling.Status);
        var run = await _fixture.WaitAsync(runId, WorkerFixture.IsFinal);
        await cluster.PodContainerRemovedAsync(pod.Metadata.Uid).WaitAsync(Bounded());
        await stop.CancelAsync();
        await running;

        Assert.True(run.StateType == StateType.Cancelled, $"{run.StateType}: {run.State?.Message}\n{Text(output)}");
        Assert.Contains(cluster.Access, a => a is { User: NodeFixture.WorkerUser, Verb: "delete", Resource: "jobs", Allowed: true });
        Assert.Empty(JobsOfRun(cluster, runId));
        Assert.Null(cluster.GetPod(Namespace, pod.Metadata.Name));
        Assert.Empty(cluster.Refusals);
    }
}
