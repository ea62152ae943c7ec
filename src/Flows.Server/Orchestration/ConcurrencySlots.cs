using System.Data.Common;
using Flows.Api.Models;
using Flows.Server.Storage;

namespace Flows.Server.Orchestration;

/// <summary>
/// <c>concurrency_limit</c> on deployments, work pools and work queues, enforced where a run takes a slot: the
/// worker's claim (a Pending proposal from Scheduled). A run holds a slot while it is Pending, Running or Cancelling.
/// With every slot of its deployment, pool or queue taken, the claim is answered REJECT and the run goes back to
/// Scheduled, named <c>AwaitingConcurrencySlot</c>, due again after the wait (Prefect's deployment concurrency with
/// the ENQUEUE collision strategy, <c>PREFECT_DEPLOYMENT_CONCURRENCY_SLOT_WAIT_SECONDS</c>; Prefect limits pools and
/// queues only in <c>get_scheduled_flow_runs</c>, which we do too, and here as well so that two workers polling at
/// once cannot both take the last slot). The limiting rows are locked first (PostgreSQL), so concurrent claims of
/// one deployment, pool or queue are decided one after the other; SQLite has a single writer anyway.
/// </summary>
internal static class ConcurrencySlots
{
    /// <summary>States that hold a slot.</summary>
    private const string ActiveStates = "('PENDING', 'RUNNING', 'CANCELLING')";

    /// <summary>The REJECT for a claim that finds no free slot, or null when the run may take one.</summary>
    public static async Task<Decision?> CheckClaimAsync(DbConnection c, DbTransaction t, Database db, FlowRun run, StateCreate proposed, bool force, TimeSpan wait, DateTimeOffset now)
    {
        if (force || proposed.Type != StateType.Pending || run.State?.Type != StateType.Scheduled)
        {
            return null;
        }

        if (run.DeploymentId is { } deploymentId
            && await LimitAsync(c, t, $"SELECT body FROM deployments WHERE id = @id{db.ForUpdate}", deploymentId, (DeploymentResponse d) => d.ConcurrencyLimit) is { } deploymentLimit
            && await ActiveAsync(c, t, "deployment_id", deploymentId, run.Id) >= deploymentLimit)
        {
            return Wait("deployment", deploymentLimit, wait, now);
        }

        if (run.WorkPoolId is { } poolId
            && await LimitAsync(c, t, $"SELECT body FROM work_pools WHERE id = @id{db.ForUpdate}", poolId, (WorkPool p) => p.ConcurrencyLimit) is { } poolLimit
            && await ActiveAsync(c, t, "work_pool_id", poolId, run.Id) >= poolLimit)
        {
            return Wait("work pool", poolLimit, wait, now);
        }

        if (run.WorkQueueId is { } queueId
            && await LimitAsync(c, t, $"SELECT body FROM work_queues WHERE id = @id{db.ForUpdate}", queueId, (WorkQueue q) => q.ConcurrencyLimit) is { } queueLimit
            && await ActiveAsync(c, t, "work_queue_id", queueId, run.Id) >= queueLimit)
        {
            return Wait("work queue", queueLimit, wait, now);
        }

        return null;
    }

    private static async Task<int?> LimitAsync<T>(DbConnection c, DbTransaction t, string sql, Guid id, Func<T, int?> limit)
        where T : class
        => await Rows.OneAsync<T>(c, t, sql, ("id", id.ToString())) is { } row ? limit(row) : null;

    /// <summary>The runs holding a slot of the deployment, pool or queue whose id is in <paramref name="column"/>
    /// (<c>deployment_id</c>, <c>work_pool_id</c>, <c>work_queue_id</c>), leaving <paramref name="except"/> out.</summary>
    public static async Task<long> ActiveAsync(DbConnection c, DbTransaction? t, string column, Guid id, Guid? except = null)
        => await c.ScalarAsync<long>(t, $"SELECT COUNT(*) FROM flow_runs WHERE {column} = @id AND id <> @run AND state_type IN {ActiveStates}",
            ("id", id.ToString()), ("run", (except ?? Guid.Empty).ToString()));

    private static Decision Wait(string what, int limit, TimeSpan wait, DateTimeOffset now) => new(
        SetStateStatus.Reject,
        new StateCreate
        {
            Type = StateType.Scheduled,
            Name = "AwaitingConcurrencySlot",
            Message = $"The {what}'s concurrency limit ({limit}) is reached; the run waits for a slot.",
            // No transition id: a repeat of this claim must be decided again, not read as accepted.
            StateDetails = new StateDetails { ScheduledTime = now + wait },
        },
        $"The {what}'s concurrency limit ({limit}) is reached.");
}
