using System.Data.Common;
using Flows.Api.Models;
using Flows.Server.Endpoints;
using Flows.Server.Orchestration;
using Flows.Server.Storage;

namespace Flows.Server.Scheduling;

/// <summary>
/// Turns deployment schedules into future Scheduled runs, as Prefect's scheduler service does: at least
/// <see cref="MinRuns"/> runs and everything in the next hour, at most <see cref="MaxRuns"/> (or the
/// schedule's max_scheduled_runs) within 100 days. Runs carry an idempotency key per (schedule, time),
/// so running it twice never doubles a run.
/// </summary>
public static class Scheduler
{
    public const int MinRuns = 3;
    public const int MaxRuns = 100;
    private static readonly TimeSpan MinHorizon = TimeSpan.FromHours(1);
    private static readonly TimeSpan MaxHorizon = TimeSpan.FromDays(100);

    /// <summary>
    /// Schedules every unpaused deployment with active schedules, each in a transaction of its own: one deployment
    /// that cannot be scheduled (its pool is gone, its schedule cannot be read, another replica inserted the same run
    /// first) is reported to <paramref name="failed"/> and never stops the others.
    /// </summary>
    public static async Task<int> RunOnceAsync(Database db, CancellationToken cancellationToken, Action<DeploymentResponse, Exception>? failed = null)
    {
        var deployments = await db.ReadAsync(c => Rows.ManyAsync<DeploymentResponse>(c, null, "SELECT body FROM deployments", []), cancellationToken).ConfigureAwait(false);
        var count = 0;
        foreach (var deployment in deployments.Where(d => !d.Paused && d.Schedules.Any(s => s.Active)))
        {
            try
            {
                count += await db.WriteAsync(async (c, t) =>
                {
                    // Read again inside the write: the deployment may have changed or gone since the list was read.
                    var current = await Rows.OneAsync<DeploymentResponse>(c, t, "SELECT body FROM deployments WHERE id = @id", ("id", deployment.Id.ToString()));
                    return current is null ? 0 : await ScheduleDeploymentAsync(c, t, current, DateTimeOffset.UtcNow);
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (System.Data.Common.DbException e) when (e.SqlState == "23505")
            {
                // Another replica inserted the same scheduled run first (the idempotency key is unique): nothing to do.
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failed?.Invoke(deployment, e);
            }
        }

        return count;
    }

    internal static async Task<int> ScheduleDeploymentAsync(DbConnection c, DbTransaction t, DeploymentResponse deployment, DateTimeOffset now)
    {
        // Every write of schedules comes through here: refuse (422) one that could never be scheduled, even while paused or inactive.
        ScheduleCalculator.Validate(deployment.Schedules.Select(s => s.Schedule));
        if (deployment.Paused)
        {
            return 0;
        }

        var created = 0;
        foreach (var schedule in deployment.Schedules.Where(s => s.Active))
        {
            var max = Math.Min(schedule.MaxScheduledRuns ?? MaxRuns, MaxRuns);
            var times = ScheduleCalculator.Occurrences(schedule.Schedule, now, now + MaxHorizon, max)
                .TakeWhile((time, i) => i < MinRuns || time <= now + MinHorizon);
            foreach (var time in times)
            {
                var key = $"scheduled {deployment.Id} {schedule.Id} {Rows.Time(time)}";
                if (await c.ScalarAsync<string>(t, "SELECT id FROM flow_runs WHERE flow_id = @f AND idempotency_key = @k", ("f", deployment.FlowId.ToString()), ("k", key)) is not null)
                {
                    continue;
                }

                var parameters = new Dictionary<string, System.Text.Json.JsonElement>(deployment.Parameters);
                foreach (var (k, v) in schedule.Parameters)
                {
                    parameters[k] = v;
                }

                Guid? poolId = deployment.WorkPoolName is { } pool
                    ? Guid.Parse(await c.ScalarAsync<string>(t, "SELECT id FROM work_pools WHERE name = @n", ("n", pool))
                        ?? throw new InvalidOperationException($"its work pool '{pool}' does not exist"))
                    : null;
                var run = new FlowRun
                {
                    Id = Guid.CreateVersion7(), Created = now, Updated = now, Name = RunNames.Next(), FlowId = deployment.FlowId, DeploymentId = deployment.Id,
                    DeploymentVersion = deployment.Version, WorkQueueId = deployment.WorkQueueId, WorkQueueName = deployment.WorkQueueName, Parameters = parameters,
                    IdempotencyKey = key, Tags = deployment.Tags.Append("auto-scheduled").Distinct().ToList(), AutoScheduled = true,
                    WorkPoolId = poolId, WorkPoolName = deployment.WorkPoolName, JobVariables = new Dictionary<string, System.Text.Json.JsonElement>(deployment.JobVariables),
                    Labels = new Dictionary<string, System.Text.Json.JsonElement>(),
                };
                await FlowRunEndpoints.InsertAsync(c, t, run, new StateCreate { Type = StateType.Scheduled, StateDetails = new StateDetails { ScheduledTime = time } }, now);
                created++;
            }
        }

        return created;
    }

    internal static Task<int> DeleteAutoScheduledAsync(DbConnection c, DbTransaction t, Guid deploymentId)
        => c.ExecuteAsync(t, "DELETE FROM flow_runs WHERE deployment_id = @d AND auto_scheduled = 1 AND state_type = 'SCHEDULED'", ("d", deploymentId.ToString()));
}
