using System.Text.Json.Nodes;
using Docker.DotNet.Models;
using Flows.Api.Models;
using Flows.Kubernetes.Fake;
using Flows.Workers.Kubernetes;

namespace Flows.Workers.Tests.Kubernetes.Node;

/// <summary>
/// The seed's path on the fake node: the worker chart's RBAC in a fake API server that enforces it, our kubernetes
/// worker with the chart's service account token, the seed's pool, hello/default and hello/arthur run by the real
/// runner inside the hello image on the Docker Engine, their Jobs collected by their TTL.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class SeedPathTests
{
    private const string Namespace = NodeFixture.Namespace;

    private readonly NodeFixture _fixture;

    public SeedPathTests(NodeFixture fixture) => _fixture = fixture;

    private static string Text(StringWriter output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    [Fact]
    public async Task Hello_default_and_arthur_complete_in_containers_with_the_charts_least_privilege_role_and_their_jobs_go_by_ttl()
    {
        await using var cluster = await _fixture.StartClusterAsync();
        var token = NodeFixture.InstallWorkerChart(cluster);
        await _fixture.CreateSeedPoolAsync("kubernetes");
        var @default = await _fixture.DeployAsync("kubernetes", "hello", "default", "HelloFlows.cs:hello", _fixture.HelloImage);
        var arthur = await _fixture.DeployAsync("kubernetes", "hello", "arthur", "HelloFlows.cs:hello", _fixture.HelloImage, """{ "name": "Arthur" }""");
        using var output = new StringWriter();
        var (running, stop) = _fixture.StartWorker(cluster, token, "kubernetes", output);

        var runs = new[] { await _fixture.RunAsync(@default), await _fixture.RunAsync(arthur) };
        var finished = new[] { await _fixture.WaitAsync(runs[0], WorkerFixture.IsFinal), await _fixture.WaitAsync(runs[1], WorkerFixture.IsFinal) };
        await stop.CancelAsync();
        await running;

        Assert.True(finished.All(r => r.StateType == StateType.Completed), $"{string.Join(", ", finished.Select(r => $"{r.StateType}: {r.State?.Message}"))}\n{Text(output)}");
        Assert.Contains("Hello, Marvin!", await _fixture.LogsAsync(runs[0]));
        Assert.Contains("Hello, Arthur!", await _fixture.LogsAsync(runs[1]));
        // The pod's log (the container's output) was followed into the worker's output.
        Assert.Contains("Hello, Arthur!", Text(output), StringComparison.Ordinal);
        Assert.Empty(cluster.Refusals);
        // The calls the worker really made on this path, each granted by the chart's Role.
        Assert.Equal(
            ["create batch/jobs", "get /pods/log", "list /pods", "list batch/jobs", "watch /pods"],
            cluster.Access.Where(a => a.User == NodeFixture.WorkerUser).Select(a => $"{a.Verb} {a.ApiGroup}/{a.Resource}").Distinct().Order(StringComparer.Ordinal));

        // Each run had a Job, Complete, whose pod ran a container that is still there (as on a node) until the TTL.
        var jobs = cluster.ListJobs(Namespace);
        Assert.Equal(2, jobs.Count);
        Assert.All(jobs, j => Assert.Contains(j.Status.Conditions, c => c.Type == "Complete"));
        Assert.All(jobs, j => Assert.Equal(60, j.Spec.TtlSecondsAfterFinished));
        var pods = jobs.SelectMany(j => cluster.PodsOfJob(Namespace, j.Metadata.Name)).ToList();
        Assert.Equal(2, pods.Count);
        Assert.All(pods, p => Assert.NotNull(cluster.ContainerOfPod(Namespace, p.Metadata.Name)));

        cluster.AdvanceClock(TimeSpan.FromSeconds(59));
        Assert.Equal(2, cluster.ListJobs(Namespace).Count);
        cluster.AdvanceClock(TimeSpan.FromSeconds(1));
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        foreach (var pod in pods)
        {
            await cluster.PodContainerRemovedAsync(pod.Metadata.Uid).WaitAsync(limit.Token);
        }

        Assert.Empty(cluster.ListJobs(Namespace));
        Assert.Empty(await NodeContainersAsync(cluster));
    }

    [Fact]
    public async Task Without_watch_on_pods_in_the_role_the_run_crashes_with_the_worker_naming_the_missing_permission()
    {
        await using var cluster = await _fixture.StartClusterAsync();
        var token = NodeFixture.InstallWorkerChart(cluster, role =>
        {
            var pods = role["rules"]!.AsArray().Single(r => r!["resources"]!.AsArray().Any(x => (string?)x == "pods"))!;
            var verbs = pods["verbs"]!.AsArray();
            verbs.Remove(verbs.Single(v => (string?)v == "watch"));
        });
        var pool = "k8s-rbac-" + Guid.NewGuid().ToString("N")[..8];
        await _fixture.CreateSeedPoolAsync(pool);
        var deployment = await _fixture.DeployAsync(pool, "hello", "default", "HelloFlows.cs:hello", _fixture.HelloImage);
        using var output = new StringWriter();
        var (running, stop) = _fixture.StartWorker(cluster, token, pool, output);

        var runId = await _fixture.RunAsync(deployment);
        var run = await _fixture.WaitAsync(runId, WorkerFixture.IsFinal);
        await stop.CancelAsync();
        await running;

        const string Refusal = "pods is forbidden: User \"system:serviceaccount:prefect:flows-worker\" cannot watch resource \"pods\" in API group \"\" in the namespace \"prefect\"";
        Assert.True(run.StateType == StateType.Crashed, $"{run.StateType}: {run.State?.Message}\n{Text(output)}");
        Assert.Contains(KubernetesDiagnosticCodes.Forbidden, run.State?.Message, StringComparison.Ordinal);
        Assert.Contains(Refusal, run.State?.Message, StringComparison.Ordinal);
        Assert.Equal([Refusal], cluster.Refusals.Distinct());
    }

    private async Task<IList<ContainerListResponse>> NodeContainersAsync(FakeKubernetesApiServer cluster)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _fixture.Docker.Docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"flows.fake-node={cluster.NodeId}"] = true } },
        }, limit.Token);
    }
}
