using Flows.Api.Client;
using Flows.Api.Models;

namespace Flows.Server.Tests;

public class PersistenceTests
{
    [Fact]
    public async Task Acknowledged_writes_survive_a_restart_and_migrations_are_idempotent()
    {
        var dir = Path.Combine(Path.GetTempPath(), "flows-restart-" + Guid.NewGuid().ToString("N"));
        var options = new FlowsServerOptions { Port = 0, FlowsHome = dir, SchedulerInterval = TimeSpan.Zero };
        Guid runId;
        await using (var first = await FlowsServer.StartAsync(options))
        {
            Assert.StartsWith("http://127.0.0.1:", first.ApiUrl.ToString());
            Assert.EndsWith("/api", first.ApiUrl.ToString());
            using var client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(first.ApiUrl.ToString()) });
            var flow = await client.Flows.CreateFlowAsync(new FlowCreate { Name = "hello" });
            var deployment = await client.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = "d", FlowId = flow.Id });
            runId = (await client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id)).Id;
            await client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Pending });
        }

        Assert.True(File.Exists(Path.Combine(dir, "flows.db")), "the default store is flows.db under FLOWS_HOME");
        await using (var second = await FlowsServer.StartAsync(options))
        {
            using var client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(second.ApiUrl.ToString()) });
            var run = await client.FlowRuns.ReadFlowRunAsync(runId);
            Assert.Equal(StateType.Pending, run.StateType);
            Assert.Equal("hello", (await client.Flows.ReadFlowByNameAsync("hello")).Name);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
    }
}
