using Flows.Api.Models;
using Flows.Testing;

namespace Flows.Workers.Tests.Kubernetes.Node;

/// <summary>
/// The kubernetes worker runs the Native AOT image of hello (runtime-deps base) as a Job on the fake API server's
/// Docker node, with the worker chart's role, to Completed.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class AotImageJobTests
{
    private readonly NodeFixture _fixture;

    public AotImageJobTests(NodeFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task The_aot_hello_image_runs_as_a_job_to_completed()
    {
        var image = await LeanHello.AotImageAsync(_fixture.Docker.Docker, _fixture.Docker.Server.Home);
        await using var cluster = await _fixture.StartClusterAsync();
        var token = NodeFixture.InstallWorkerChart(cluster);
        var pool = "kubernetes-aot-" + Guid.NewGuid().ToString("N")[..8];
        await _fixture.CreateSeedPoolAsync(pool);
        var deployment = await _fixture.DeployAsync(pool, "hello", "arthur-aot", "HelloFlows.cs:hello", image, """{ "name": "Arthur" }""");
        var output = new StringWriter();
        var (running, stop) = _fixture.StartWorker(cluster, token, pool, output);

        var runId = await _fixture.RunAsync(deployment);
        var run = await _fixture.WaitAsync(runId, WorkerFixture.IsFinal);
        await stop.CancelAsync();
        await running;

        string text;
        lock (output)
        {
            text = output.ToString();
        }

        Assert.True(run.StateType == StateType.Completed, $"{run.StateType}: {run.State?.Message}\n{text}");
        Assert.Contains("Hello, Arthur!", await _fixture.LogsAsync(runId));
        Assert.Empty(cluster.Refusals);
    }
}
