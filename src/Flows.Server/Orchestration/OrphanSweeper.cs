using System.Globalization;
using Flows.Api.Models;
using Flows.Server.Endpoints;
using Flows.Server.Storage;

namespace Flows.Server.Orchestration;

/// <summary>
/// Finds runs nobody will ever finish and marks them Crashed, saying why (Prefect leaves these "zombie" runs to an
/// automation; this server does it by default). A run is an orphan only when both of the parties that could still
/// settle it have gone silent for <c>timeout</c>: no worker of its pool has sent a heartbeat, and
/// - Running: its runner's last <c>prefect.flow-run.heartbeat</c> is older than that (a run whose runner never sent
///   one, such as Prefect's runner without <c>PREFECT_RUNNER_HEARTBEAT_FREQUENCY</c>, is never judged: nothing tells a
///   silent healthy run from a dead one);
/// - Pending: it has been Pending that long (a claimed run whose worker died before its infrastructure started).
/// A live worker of the pool is left to judge its runs itself (it re-attaches after a restart).
/// </summary>
public static class OrphanSweeper
{
    public static async Task<int> RunOnceAsync(Database db, TimeSpan timeout, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var (runs, heartbeats, workers) = await db.ReadAsync(async c =>
        {
            var active = await Rows.ManyAsync<FlowRun>(c, null, "SELECT body FROM flow_runs WHERE state_type IN ('PENDING', 'RUNNING') AND work_pool_id IS NOT NULL", []);
            var beats = await TimesAsync(c, "SELECT r.id, h.last_heartbeat FROM flow_runs r JOIN flow_run_heartbeats h ON h.flow_run_id = r.id WHERE r.state_type = 'RUNNING'");
            var pools = await TimesAsync(c, "SELECT work_pool_id, MAX(last_heartbeat_time) FROM workers GROUP BY work_pool_id");
            return (active, beats, pools);
        }, cancellationToken).ConfigureAwait(false);

        var crashed = 0;
        foreach (var run in runs)
        {
            var poolId = run.WorkPoolId!.Value.ToString();
            DateTimeOffset? lastWorker = workers.TryGetValue(poolId, out var w0) ? w0 : null;
            if (lastWorker is { } w && now - w <= timeout)
            {
                continue;
            }

            var workerText = lastWorker is { } seen ? $"no worker of pool '{run.WorkPoolName}' has been alive since {Text(seen)}" : $"no worker of pool '{run.WorkPoolName}' has ever been alive";
            string? why = null;
            if (run.StateType == StateType.Running && heartbeats.TryGetValue(run.Id.ToString(), out var beat) && now - beat > timeout)
            {
                why = $"Its runner's last heartbeat was at {Text(beat)} and {workerText}: the run's process is presumed dead (no heartbeat for {timeout.TotalSeconds:0}s).";
            }
            else if (run.StateType == StateType.Pending && run.State?.Timestamp is { } since && now - since > timeout)
            {
                why = $"It has been Pending since {Text(since)} and {workerText}: its worker is presumed dead before the run started.";
            }

            if (why is null)
            {
                continue;
            }

            var result = await FlowRunEndpoints.SetStateAsync(db, run.Id, new StateCreate { Type = StateType.Crashed, Name = "Crashed", Message = why }, force: false, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            crashed += result.Status == SetStateStatus.Accept ? 1 : 0;
        }

        return crashed;
    }

    private static async Task<Dictionary<string, DateTimeOffset>> TimesAsync(System.Data.Common.DbConnection c, string sql)
    {
        var times = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await using var command = c.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            if (!reader.IsDBNull(1) && DateTimeOffset.TryParse(reader.GetString(1), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            {
                times[reader.GetString(0)] = time;
            }
        }

        return times;
    }

    private static string Text(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
