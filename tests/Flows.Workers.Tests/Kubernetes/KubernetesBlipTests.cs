using System.Text.Json;
using Flows.Api.Models;
using Flows.Testing;
using Flows.Workers.Kubernetes;
using k8s;

namespace Flows.Workers.Tests.Kubernetes;

/// <summary>
/// The Kubernetes API server blinks while a run's pods are watched (its connections cut, 503 for a while): the
/// worker lists and watches again with backoff instead of judging the run, which completes.
/// </summary>
public sealed class KubernetesBlipTests : IClassFixture<KubernetesFixture>
{
    private const string Namespace = "prefect";
    private readonly KubernetesFixture _fixture;

    public KubernetesBlipTests(KubernetesFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task An_api_server_outage_during_the_pod_watch_is_ridden_out_and_the_run_completes()
    {
        await using var proxy = await FaultProxy.StartAsync(_fixture.Cluster.Url);
        var client = _fixture.Server.Client;
        var pool = "k8s-blip-" + Guid.NewGuid().ToString("N")[..8];
        await client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = pool, Type = "kubernetes", BaseJobTemplate = JsonSerializer.SerializeToElement(JobManifestBuilderTests.SeedTemplate(null)) });
        var flow = await client.Flows.CreateFlowAsync(new FlowCreate { Name = "hello" });
        var deployment = await client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "blip", FlowId = flow.Id, WorkPoolName = pool, Entrypoint = "HelloFlows.cs:hello",
            JobVariables = new Dictionary<string, JsonElement> { ["image"] = JsonSerializer.SerializeToElement("localhost:5000/hello:abc1234") },
        });
        var runId = (await client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id)).Id;
        using var output = new StringWriter();
        var kubernetes = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = proxy.ApiUrl });
        var worker = new FlowWorker(client, new WorkerOptions { WorkPool = pool, PollInterval = TimeSpan.FromMilliseconds(100) }, new KubernetesInfrastructure(output, _ => kubernetes), output);
        using var stop = new CancellationTokenSource();
        var running = worker.RunAsync(stop.Token);
        using var bounded = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        var job = await _fixture.Cluster.WaitForJobAsync(Namespace, j => j.Metadata.Labels?.TryGetValue(JobManifestBuilder.FlowRunIdLabel, out var id) == true && id == runId.ToString(), bounded.Token);
        var pod = await _fixture.Cluster.WaitForJobPodAsync(Namespace, job.Metadata.Name, bounded.Token);
        _fixture.Cluster.SetPodRunning(Namespace, pod.Metadata.Name);
        await client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Running, Name = "Running" });

        // The outage: open watches cut, every request 503, until the worker has met it on a list of the pods (not only on
        // its watch, which re-lists at once): two refused pod requests could both be watches, and an outage ended
        // before the re-list would leave nothing for the worker to ride out.
        proxy.Down = true;
        await WaitForAsync(() =>
        {
            // Cut again each turn: a watch whose answer was already on its way when the outage began is cut too.
            proxy.ResetStreams();
            return proxy.Journal.Count(l => l.Contains("/pods", StringComparison.Ordinal) && l.EndsWith("(down)", StringComparison.Ordinal)) >= 2
                && output.ToString().Contains("trying again", StringComparison.Ordinal);
        }, bounded.Token);
        proxy.Down = false;

        await client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Completed, Name = "Completed" });
        _fixture.Cluster.SucceedPod(Namespace, pod.Metadata.Name);
        var run = await _fixture.Server.WaitAsync(runId, WorkerFixture.IsFinal);
        await stop.CancelAsync();
        await running;

        Assert.True(run.StateType == StateType.Completed, $"{run.StateType}: {run.State?.Message}\n{output}");
        Assert.Contains("trying again", output.ToString(), StringComparison.Ordinal);
    }

    private static async Task WaitForAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(50, cancellationToken);
        }
    }
}
