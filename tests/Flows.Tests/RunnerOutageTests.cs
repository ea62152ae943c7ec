using System.Text.Json;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Deployed;
using Flows.Testing;
using ApiStateType = Flows.Api.Models.StateType;

namespace Flows.Tests;

/// <summary>
/// The in-image runner through a <see cref="FaultProxy"/> in front of the real server: answers lost after the
/// server acted on them, and an outage, end neither with a lost run nor with anything stored twice.
/// </summary>
public sealed class RunnerOutageTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private FaultProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync("flows-runner-outage-tests");
        _proxy = await FaultProxy.StartAsync(_server.ApiUrl);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _server.DisposeAsync();
    }

    // The runner's own settings (an outage budget instead of a retry count), with short delays for the test.
    private PrefectClient ClientThroughProxy() => new(new PrefectClientOptions
    {
        ApiUrl = PrefectApiUrl.Parse(_proxy.ApiUrl),
        InitialRetryDelay = TimeSpan.FromMilliseconds(50),
        MaxRetryDelay = TimeSpan.FromMilliseconds(500),
    }.ForLongRunningProcess(_ => "60"));

    private async Task<Guid> CreateClaimedRunAsync(string parametersJson)
    {
        var client = _server.Client;
        var flow = await client.Flows.CreateFlowAsync(new FlowCreate { Name = "greet" });
        var deployment = await client.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = "outage", FlowId = flow.Id, Entrypoint = "SampleFlows.cs:greet" });
        var run = await client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id, new DeploymentFlowRunCreate
        {
            Parameters = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(parametersJson),
        });
        await client.FlowRuns.SetFlowRunStateAsync(run.Id, new StateCreate { Type = ApiStateType.Pending, Name = "Pending" });
        return run.Id;
    }

    private async Task<(int Code, string Error)> RunThroughProxyAsync(Guid runId)
    {
        using var client = ClientThroughProxy();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await DeployedRunner.RunAsync(runId, client, output, error);
        return (code, error.ToString());
    }

    private async Task<IReadOnlyList<string>> StateTypesAsync(Guid runId)
    {
        using var http = new HttpClient();
        using var states = JsonDocument.Parse(await http.GetStringAsync(new Uri(_server.ApiUrl.TrimEnd('/') + $"/flow_run_states/?flow_run_id={runId}")));
        return states.RootElement.EnumerateArray().Select(s => s.GetProperty("type").GetString()!).ToList();
    }

    [Fact]
    public async Task Lost_answers_to_running_and_completed_are_retried_and_recognised_as_the_same_transition()
    {
        var runId = await CreateClaimedRunAsync("""{ "name": "Arthur" }""");
        _proxy.DropResponses("POST", "/set_state", times: 2);

        var (code, error) = await RunThroughProxyAsync(runId);

        var run = await _server.Client.FlowRuns.ReadFlowRunAsync(runId);
        Assert.True(code == 0 && run.StateType == ApiStateType.Completed, $"exit {code}, {run.StateType}: {run.State?.Message}\n{error}\n{string.Join('\n', _proxy.Journal)}");
        Assert.Equal(4, _proxy.Forwarded("POST", "/set_state")); // each proposal reached the server twice
        Assert.Equal(["SCHEDULED", "PENDING", "RUNNING", "COMPLETED"], await StateTypesAsync(runId));
    }

    [Fact]
    public async Task A_log_batch_whose_answer_was_lost_is_sent_again_and_every_line_is_stored_once()
    {
        var runId = await CreateClaimedRunAsync("""{ "name": "Ford" }""");
        _proxy.DropResponses("POST", "/logs/", times: 1);

        var (code, error) = await RunThroughProxyAsync(runId);

        Assert.Equal(0, code);
        Assert.DoesNotContain("FLOWS2101", error, StringComparison.Ordinal);
        Assert.True(_proxy.Forwarded("POST", "/logs/") >= 2, string.Join('\n', _proxy.Journal));
        var logs = await _server.Client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [runId] } }, Limit = 200 });
        Assert.Contains(logs, l => l.Message == "Hello, Ford!");
        var repeated = logs.GroupBy(l => (l.Message, l.Timestamp)).Where(g => g.Count() > 1).Select(g => g.Key.Message).ToList();
        Assert.True(repeated.Count == 0, "stored twice: " + string.Join(" | ", repeated));
    }

    [Fact]
    public async Task An_api_outage_when_the_runner_starts_is_ridden_out()
    {
        var runId = await CreateClaimedRunAsync("""{ "name": "Trillian" }""");
        _proxy.Down = true;
        var running = RunThroughProxyAsync(runId);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(running.IsCompleted, "the runner must wait for the API, not give up");
        _proxy.Down = false;

        var (code, error) = await running;

        var run = await _server.Client.FlowRuns.ReadFlowRunAsync(runId);
        Assert.True(code == 0 && run.StateType == ApiStateType.Completed, $"exit {code}, {run.StateType}\n{error}");
        Assert.Contains(_proxy.Journal, line => line.EndsWith("(down)", StringComparison.Ordinal));
    }
}
