using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Server.Scheduling;
using Flows.Server.Storage;
using Microsoft.Data.Sqlite;

namespace Flows.Server.Tests;

/// <summary>One deployment that cannot be scheduled never stops the scheduling of the others.</summary>
public sealed class SchedulerIsolationTests : IAsyncLifetime
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "flows-scheduler-tests-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_home);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_home, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_deployment_whose_pool_vanished_is_reported_and_the_others_are_scheduled()
    {
        var file = Path.Combine(_home, "flows.db");
        Guid good, bad;
        await using (var server = await FlowsServer.StartAsync(new FlowsServerOptions { Port = 0, DatabaseUrl = $"sqlite:///{file}", FlowsHome = _home, SchedulerInterval = TimeSpan.Zero }))
        {
            using var client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(server.ApiUrl.ToString()), MaxRetries = 0 });
            var flow = await client.Flows.CreateFlowAsync(new FlowCreate { Name = "scheduled" });
            foreach (var pool in new[] { "kept", "lost" })
            {
                await client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = pool, Type = "process" });
            }

            var schedules = new List<DeploymentScheduleCreate> { new() { Schedule = Schedule.FromInterval(TimeSpan.FromMinutes(10)) } };
            // Created in this order so that the broken one comes first in the scheduler's list too.
            bad = (await client.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = "a-broken", FlowId = flow.Id, WorkPoolName = "lost", Schedules = schedules })).Id;
            good = (await client.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = "b-fine", FlowId = flow.Id, WorkPoolName = "kept", Schedules = schedules })).Id;
        }

        // A pool gone from under a deployment (a store edited by hand, or an older server that allowed it).
        await using (var connection = new SqliteConnection($"Data Source={file}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE work_pools SET name = 'renamed' WHERE name = 'lost'; DELETE FROM flow_runs;";
            await command.ExecuteNonQueryAsync();
        }

        await using var database = DatabaseUrl.Open($"sqlite:///{file}", _home);
        var failures = new List<(Guid Deployment, string Message)>();
        var created = await Scheduler.RunOnceAsync(database, CancellationToken.None, (deployment, e) => failures.Add((deployment.Id, e.Message)));

        var failure = Assert.Single(failures);
        Assert.Equal(bad, failure.Deployment);
        Assert.Contains("'lost' does not exist", failure.Message, StringComparison.Ordinal);
        Assert.True(created >= Scheduler.MinRuns, $"the other deployment ({good}) was scheduled: {created} runs");
    }
}
