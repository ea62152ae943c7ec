using System.Net;
using Flows.Api.Client;
using Flows.Api.Models;

namespace Flows.Server.Tests;

/// <summary>
/// <c>concurrency_limit</c> on deployments, work pools and work queues, enforced at the claim, and a pool that
/// deployments use refused deletion; once per store (the sealed subclasses at the bottom).
/// </summary>
public abstract class ConcurrencyLimitTests(ServerFixture fixture)
{
    private PrefectClient Client => fixture.Client;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private async Task<(WorkPool Pool, DeploymentResponse Deployment)> DeployAsync(int? deploymentLimit = null, int? poolLimit = null)
    {
        var flow = await Client.Flows.CreateFlowAsync(new FlowCreate { Name = Unique("limited") });
        var pool = await Client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = Unique("pool"), Type = "process", ConcurrencyLimit = poolLimit });
        var deployment = await Client.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = "d", FlowId = flow.Id, WorkPoolName = pool.Name, ConcurrencyLimit = deploymentLimit });
        return (pool, deployment);
    }

    private Task<OrchestrationResult> ProposeAsync(Guid runId, StateType type) =>
        Client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = type, Name = type.ToString() });

    [Fact]
    public async Task A_deployment_at_its_limit_sends_a_claim_back_to_scheduled_awaiting_a_slot_until_a_run_finishes()
    {
        var (_, deployment) = await DeployAsync(deploymentLimit: 1);
        var first = await Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id);
        var second = await Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id);

        Assert.Equal(SetStateStatus.Accept, (await ProposeAsync(first.Id, StateType.Pending)).Status);
        var refused = await ProposeAsync(second.Id, StateType.Pending);
        Assert.Equal((SetStateStatus.Reject, StateType.Scheduled, "AwaitingConcurrencySlot"), (refused.Status, refused.State!.Type, refused.State.Name));
        Assert.True(refused.State.StateDetails.ScheduledTime > DateTimeOffset.UtcNow, "the run is due again after the slot wait");

        await ProposeAsync(first.Id, StateType.Running);
        Assert.Equal(SetStateStatus.Reject, (await ProposeAsync(second.Id, StateType.Pending)).Status);
        await ProposeAsync(first.Id, StateType.Completed);
        Assert.Equal(SetStateStatus.Accept, (await ProposeAsync(second.Id, StateType.Pending)).Status);
    }

    [Fact]
    public async Task A_pool_at_its_limit_offers_no_more_runs_and_refuses_a_claim()
    {
        var (pool, deployment) = await DeployAsync(poolLimit: 1);
        var runs = new List<FlowRun>();
        for (var i = 0; i < 3; i++)
        {
            runs.Add(await Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id));
        }

        var offered = await Client.WorkPools.GetScheduledFlowRunsAsync(pool.Name, new GetScheduledFlowRunsRequest { Limit = 10 });
        Assert.Single(offered);
        Assert.Equal(SetStateStatus.Accept, (await ProposeAsync(offered[0].FlowRun.Id, StateType.Pending)).Status);

        Assert.Empty(await Client.WorkPools.GetScheduledFlowRunsAsync(pool.Name, new GetScheduledFlowRunsRequest { Limit = 10 }));
        var other = runs.First(r => r.Id != offered[0].FlowRun.Id);
        Assert.Equal(SetStateStatus.Reject, (await ProposeAsync(other.Id, StateType.Pending)).Status);
    }

    [Fact]
    public async Task A_queue_at_its_limit_offers_no_more_runs()
    {
        var (pool, deployment) = await DeployAsync();
        var queue = await Client.WorkPools.ReadWorkQueueAsync(pool.Name, "default");
        using (var patch = new HttpRequestMessage(HttpMethod.Patch, $"work_pools/{pool.Name}/queues/default") { Content = new StringContent("""{"concurrency_limit":1}""", System.Text.Encoding.UTF8, "application/json") })
        {
            using var response = await fixture.Http.SendAsync(patch);
            Assert.True(response.IsSuccessStatusCode, $"PATCH queue: {(int)response.StatusCode}");
        }

        await Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id);
        await Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id);
        var offered = await Client.WorkPools.GetScheduledFlowRunsAsync(pool.Name, new GetScheduledFlowRunsRequest { Limit = 10 });

        Assert.Equal(queue.Id, Assert.Single(offered).WorkQueueId);
    }

    [Fact]
    public async Task Deleting_a_pool_that_deployments_use_is_a_409_naming_them()
    {
        var (pool, deployment) = await DeployAsync();

        var refused = await Assert.ThrowsAsync<PrefectApiException>(() => Client.WorkPools.DeleteWorkPoolAsync(pool.Name));

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains(deployment.Id.ToString(), refused.Message, StringComparison.Ordinal);
        await Client.Deployments.DeleteDeploymentAsync(deployment.Id);
        await Client.WorkPools.DeleteWorkPoolAsync(pool.Name);
    }
}

public sealed class SqliteConcurrencyLimitTests(SqliteServerFixture fixture) : ConcurrencyLimitTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresConcurrencyLimitTests(PostgresServerFixture fixture) : ConcurrencyLimitTests(fixture), IClassFixture<PostgresServerFixture>;
