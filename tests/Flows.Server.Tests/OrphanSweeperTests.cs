using System.Net;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Server.Orchestration;
using Flows.Server.Storage;
using Microsoft.Data.Sqlite;

namespace Flows.Server.Tests;

/// <summary>
/// Runs whose runner and workers have all gone silent are marked Crashed by the server with why; runs someone can
/// still settle are left alone. Heartbeats arrive as Prefect's <c>prefect.flow-run.heartbeat</c> events.
/// </summary>
public sealed class OrphanSweeperTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private readonly string _home = Path.Combine(Path.GetTempPath(), "flows-orphan-tests-" + Guid.NewGuid().ToString("N"));
    private FlowsServerHost _server = null!;
    private PrefectClient _client = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_home);
        _server = await FlowsServer.StartAsync(new FlowsServerOptions { Port = 0, DatabaseUrl = $"sqlite:///{_home}/flows.db", FlowsHome = _home, OrphanTimeout = TimeSpan.Zero });
        _client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(_server.ApiUrl.ToString()), MaxRetries = 0 });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_home, recursive: true);
    }

    private async Task<(string Pool, Guid Deployment)> PoolAsync(string name)
    {
        var flow = await _client.Flows.CreateFlowAsync(new FlowCreate { Name = "orphans" });
        await _client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = name, Type = "process" });
        return (name, (await _client.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = name, FlowId = flow.Id, WorkPoolName = name })).Id);
    }

    private async Task<Guid> RunAsync(Guid deployment, params StateType[] states)
    {
        var id = (await _client.Deployments.CreateFlowRunFromDeploymentAsync(deployment)).Id;
        foreach (var state in states)
        {
            await _client.FlowRuns.SetFlowRunStateAsync(id, new StateCreate { Type = state, Name = state.ToString() });
        }

        return id;
    }

    [Fact]
    public async Task Silent_runs_of_silent_pools_are_crashed_with_why_and_the_others_are_left_alone()
    {
        var (_, silentPool) = await PoolAsync("silent");
        var (livePool, watched) = await PoolAsync("watched");
        var deadRunner = await RunAsync(silentPool, StateType.Pending, StateType.Running);
        var stuckPending = await RunAsync(silentPool, StateType.Pending);
        var neverBeat = await RunAsync(silentPool, StateType.Pending, StateType.Running);
        var liveRunner = await RunAsync(silentPool, StateType.Pending, StateType.Running);
        var liveWorker = await RunAsync(watched, StateType.Pending, StateType.Running);
        var old = DateTimeOffset.UtcNow.AddHours(-1);
        await _client.Events.EmitAsync([Event.FlowRunHeartbeat(deadRunner, "dead", old), Event.FlowRunHeartbeat(liveWorker, "watched", old)]);

        await Task.Delay(Timeout + TimeSpan.FromSeconds(0.5)); // the Pending run and the pools' silence pass the timeout
        await _client.Events.EmitAsync([Event.FlowRunHeartbeat(liveRunner, "live", DateTimeOffset.UtcNow)]);
        await _client.WorkPools.SendWorkerHeartbeatAsync(livePool, new WorkerHeartbeat { Name = "w1", HeartbeatIntervalSeconds = 30 });
        await using var database = DatabaseUrl.Open($"sqlite:///{_home}/flows.db", _home);
        var crashed = await OrphanSweeper.RunOnceAsync(database, Timeout, DateTimeOffset.UtcNow, CancellationToken.None);

        var all = new List<string>();
        foreach (var (name, id) in new[] { ("deadRunner", deadRunner), ("stuckPending", stuckPending), ("neverBeat", neverBeat), ("liveRunner", liveRunner), ("liveWorker", liveWorker) })
        {
            var r = await _client.FlowRuns.ReadFlowRunAsync(id);
            all.Add($"{name}: {r.StateType} {r.State?.Message}");
        }

        Assert.True(crashed == 2, string.Join("\n", all));
        var dead = await _client.FlowRuns.ReadFlowRunAsync(deadRunner);
        Assert.Equal(StateType.Crashed, dead.StateType);
        Assert.Contains("last heartbeat", dead.State!.Message, StringComparison.Ordinal);
        Assert.Contains("no worker of pool 'silent' has ever been alive", dead.State.Message, StringComparison.Ordinal);
        var pending = await _client.FlowRuns.ReadFlowRunAsync(stuckPending);
        Assert.Equal(StateType.Crashed, pending.StateType);
        Assert.Contains("Pending since", pending.State!.Message, StringComparison.Ordinal);
        foreach (var untouched in new[] { neverBeat, liveRunner, liveWorker })
        {
            Assert.Equal(StateType.Running, (await _client.FlowRuns.ReadFlowRunAsync(untouched)).StateType);
        }
    }

    [Fact]
    public async Task Events_are_accepted_and_a_malformed_one_is_a_4xx()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_server.ApiUrl.ToString().TrimEnd('/') + "/") };
        using var other = await http.PostAsync("events", new StringContent(
            "[{\"id\":\"" + Guid.NewGuid() + "\",\"occurred\":\"2026-01-01T00:00:00Z\",\"event\":\"prefect.flow-run.Completed\",\"resource\":{\"prefect.resource.id\":\"prefect.flow-run." + Guid.NewGuid() + "\"}}]",
            System.Text.Encoding.UTF8, "application/json"));
        using var bad = await http.PostAsync("events", new StringContent("""[{"event":"x"}]""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NoContent, other.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
    }
}
