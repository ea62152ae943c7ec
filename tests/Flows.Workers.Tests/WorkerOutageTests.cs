using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Server.WorkPools;
using Flows.Testing;
using Flows.Workers.Process;

namespace Flows.Workers.Tests;

/// <summary>
/// The worker through a <see cref="FaultProxy"/> in front of the real server: a claim whose answer was lost, a
/// server that is down when the worker starts, and a pool edited while the worker runs.
/// </summary>
public sealed class WorkerOutageTests : IClassFixture<WorkerFixture>, IAsyncLifetime
{
    private readonly WorkerFixture _fixture;
    private FaultProxy _proxy = null!;

    public WorkerOutageTests(WorkerFixture fixture) => _fixture = fixture;

    public async Task InitializeAsync() => _proxy = await FaultProxy.StartAsync(_fixture.ApiUrl.ToString());

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private (Task Running, CancellationTokenSource Stop, PrefectClient Client) StartThroughProxy(string pool, TextWriter output)
    {
        // The worker's own settings (an outage budget), with short delays for the test.
        var client = new PrefectClient(new PrefectClientOptions
        {
            ApiUrl = PrefectApiUrl.Parse(_proxy.ApiUrl),
            InitialRetryDelay = TimeSpan.FromMilliseconds(50),
            MaxRetryDelay = TimeSpan.FromMilliseconds(500),
        }.ForLongRunningProcess(_ => "60"));
        var options = new WorkerOptions { WorkPool = pool, PollInterval = TimeSpan.FromMilliseconds(100), ShutdownGrace = TimeSpan.FromSeconds(30) };
        var worker = new FlowWorker(client, options, new ProcessInfrastructure(output), output);
        var stop = new CancellationTokenSource();
        return (worker.RunAsync(stop.Token), stop, client);
    }

    private async Task<Guid> HelloRunAsync(string pool)
    {
        await _fixture.CreateProcessPoolAsync(pool);
        var app = WorkerFixture.HelloApp;
        var deployment = await _fixture.DeployAsync(pool, "hello", Unique("d"), $"dotnet \"{app}\"", "HelloFlows.cs:hello", """{ "name": "Arthur" }""", Path.GetDirectoryName(app));
        return await _fixture.RunAsync(deployment);
    }

    private async Task<IReadOnlyList<string>> StateTypesAsync(Guid runId)
    {
        using var http = new HttpClient();
        using var states = JsonDocument.Parse(await http.GetStringAsync(new Uri(_fixture.ApiUrl.ToString().TrimEnd('/') + $"/flow_run_states/?flow_run_id={runId}")));
        return states.RootElement.EnumerateArray().Select(s => s.GetProperty("type").GetString()!).ToList();
    }

    [Fact]
    public async Task A_claim_whose_answer_was_lost_is_retried_recognised_and_the_run_completes_once()
    {
        var pool = Unique("outage");
        var runId = await HelloRunAsync(pool);
        _proxy.DropResponses("POST", "/set_state", times: 1); // the first proposal is the worker's Pending claim
        using var output = new StringWriter();
        var (running, stop, client) = StartThroughProxy(pool, output);

        var run = await _fixture.WaitAsync(runId, WorkerFixture.IsFinal);
        await stop.CancelAsync();
        await running;
        client.Dispose();

        Assert.True(run.StateType == StateType.Completed, $"{run.StateType}: {run.State?.Message}\n{output}\n{string.Join('\n', _proxy.Journal)}");
        Assert.Contains(_proxy.Journal, line => line.Contains("/set_state → dropped", StringComparison.Ordinal));
        Assert.Equal(["SCHEDULED", "PENDING", "RUNNING", "COMPLETED"], await StateTypesAsync(runId));
    }

    [Fact]
    public async Task A_worker_started_while_the_api_is_down_waits_for_it_and_then_runs()
    {
        var pool = Unique("outage");
        var runId = await HelloRunAsync(pool);
        _proxy.Down = true;
        using var output = new StringWriter();
        var (running, stop, client) = StartThroughProxy(pool, output);
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.False(running.IsCompleted, "the worker must wait for the API, not exit:\n" + output);
        _proxy.Down = false;

        var run = await _fixture.WaitAsync(runId, WorkerFixture.IsFinal);
        await stop.CancelAsync();
        await running;
        client.Dispose();

        Assert.Equal(StateType.Completed, run.StateType);
        Assert.Contains("not answering", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_worker_stopped_while_still_waiting_for_the_api_stops_quietly()
    {
        var pool = Unique("outage");
        await _fixture.CreateProcessPoolAsync(pool);
        _proxy.Down = true;
        using var output = new StringWriter();
        var (running, stop, client) = StartThroughProxy(pool, output);
        await WaitForAsync(() => output.ToString().Contains("not answering", StringComparison.Ordinal));

        await stop.CancelAsync();
        await running; // a stop is a stop at any point: no OperationCanceledException out of RunAsync
        client.Dispose();
        _proxy.Down = false;

        Assert.Contains("Worker stopped before it reached the API.", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("started on work pool", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edited_base_job_template_applies_to_the_next_run_without_a_restart()
    {
        var pool = Unique("edited");
        await _fixture.CreateProcessPoolAsync(pool);
        using var output = new StringWriter();
        var (running, stop, client) = StartThroughProxy(pool, output);
        await WaitForAsync(() => output.ToString().Contains("started on work pool", StringComparison.Ordinal));

        var template = JsonNode.Parse(BaseJobTemplates.ForType("process")!.Value.GetRawText())!;
        template["variables"]!["properties"]!["env"]!["default"] = new JsonObject { ["FLOWS_MARK"] = "edited-after-start" };
        await _fixture.Client.WorkPools.UpdateWorkPoolAsync(pool, new WorkPoolUpdate { BaseJobTemplate = JsonSerializer.SerializeToElement(template) });
        // Two reads of the pool after the edit: the second surely began after it, and every poll after it uses it.
        var readsBefore = _proxy.Forwarded("GET", $"/work_pools/{pool}");
        await WaitForAsync(() => _proxy.Forwarded("GET", $"/work_pools/{pool}") >= readsBefore + 2);
        var deployment = await _fixture.DeployAsync(pool, "mark", Unique("d"), "sh -c 'echo mark=$FLOWS_MARK'");
        await _fixture.RunAsync(deployment);

        await WaitForAsync(() => output.ToString().Contains("mark=", StringComparison.Ordinal));
        await stop.CancelAsync();
        await running;
        client.Dispose();

        Assert.Contains("mark=edited-after-start", output.ToString(), StringComparison.Ordinal);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (!condition())
        {
            await Task.Delay(100, limit.Token);
        }
    }
}
