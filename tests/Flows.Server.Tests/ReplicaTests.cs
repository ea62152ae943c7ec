using Flows.Api.Client;
using Flows.Api.Models;
using Npgsql;

namespace Flows.Server.Tests;

/// <summary>
/// Three servers on one PostgreSQL database, each with its scheduler on, as replicas behind a load balancer: the
/// schedules make no run twice, and of three claims of one run sent at once through different replicas, one wins.
/// </summary>
public sealed class ReplicaTests : IAsyncLifetime
{
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<FlowsServerHost> _replicas = [];
    private readonly List<PrefectClient> _clients = [];
    private string _connectionString = string.Empty;

    public async Task InitializeAsync()
    {
        var baseConnection = Environment.GetEnvironmentVariable("FLOWS_TEST_POSTGRES") is { Length: > 0 } cs ? cs : PostgresServerFixture.DefaultConnectionString;
        await using (var connection = new NpgsqlConnection(baseConnection))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE SCHEMA {_schema}", connection);
            await command.ExecuteNonQueryAsync();
        }

        _connectionString = new NpgsqlConnectionStringBuilder(baseConnection) { SearchPath = _schema }.ConnectionString;
        for (var i = 0; i < 3; i++)
        {
            var host = await FlowsServer.StartAsync(new FlowsServerOptions
            {
                Port = 0, DatabaseUrl = _connectionString, FlowsHome = Path.GetTempPath(), SchedulerInterval = TimeSpan.FromMilliseconds(100), OrphanTimeout = TimeSpan.Zero,
            });
            _replicas.Add(host);
            _clients.Add(new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(host.ApiUrl.ToString()), MaxRetries = 0 }));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }

        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Three_schedulers_make_each_scheduled_run_once_and_one_of_three_simultaneous_claims_wins()
    {
        var client = _clients[0];
        var flow = await client.Flows.CreateFlowAsync(new FlowCreate { Name = "replicated" });
        await client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = "replicated", Type = "process" });
        var schedules = Enumerable.Range(1, 3).Select(m => new DeploymentScheduleCreate { Schedule = Schedule.FromInterval(TimeSpan.FromMinutes(m)) }).ToList();
        var deployments = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            deployments.Add((await _clients[i % 3].Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = $"d{i}", FlowId = flow.Id, WorkPoolName = "replicated", Schedules = schedules })).Id);
        }

        // Let the three schedulers race over many rounds.
        await Task.Delay(TimeSpan.FromSeconds(3));

        var keys = new List<string>();
        await using (var connection = new NpgsqlConnection(_connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT idempotency_key FROM flow_runs WHERE auto_scheduled = 1", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetString(0));
            }
        }

        Assert.True(keys.Count >= deployments.Count * 3 * 3, $"{keys.Count} scheduled runs");
        Assert.Equal(keys.Count, keys.Distinct().Count());

        var runs = await client.FlowRuns.ReadFlowRunsAsync(new FlowRunFilterRequest { FlowRuns = new FlowRunFilter { DeploymentId = new DeploymentIdFilter { Any = deployments } }, Limit = 30 });
        Assert.NotEmpty(runs);
        foreach (var run in runs)
        {
            var claims = await Task.WhenAll(_clients.Select(c => c.FlowRuns.SetFlowRunStateAsync(run.Id, new StateCreate { Type = StateType.Pending, Name = "Pending" })));
            Assert.Single(claims, r => r.Status == SetStateStatus.Accept);
            Assert.Equal(2, claims.Count(r => r.Status == SetStateStatus.Abort));
        }
    }
}
