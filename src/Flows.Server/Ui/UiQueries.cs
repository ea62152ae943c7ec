using Flows.Api.Models;
using Flows.Server.Storage;

namespace Flows.Server.Ui;

/// <summary>
/// The UI's reads. Every list is a page of at most <see cref="PageSize"/> rows found through an index and
/// ordered by an indexed key (keyset paging: "older than this id", never OFFSET), so a page costs the same
/// on run 100 as on run 100,000. The indexes are migration 3.
/// </summary>
internal sealed class UiQueries
{
    public const int PageSize = 50;
    public const int LogPageSize = 200;

    private readonly Database _db;

    public UiQueries(Database db) => _db = db;

    public sealed record Page<T>(IReadOnlyList<T> Items, bool HasMore);

    /// <summary>Runs newest first (UUIDv7 ids sort by creation), optionally of one state type or deployment.</summary>
    public Task<Page<FlowRun>> RunsAsync(string? stateType, Guid? deploymentId, string? beforeId, int pageSize, CancellationToken ct)
    {
        var (sql, parameters) = RunsSql(stateType, deploymentId, beforeId, pageSize + 1);
        return _db.ReadAsync(async c =>
        {
            var rows = await Rows.ManyAsync<FlowRun>(c, null, sql, parameters).ConfigureAwait(false);
            return new Page<FlowRun>(rows.Take(pageSize).ToList(), rows.Count > pageSize);
        }, ct);
    }

    /// <summary>The runs page's SQL (tests check its plan uses an index for both filter and order).</summary>
    internal static (string Sql, List<(string, object?)> Parameters) RunsSql(string? stateType, Guid? deploymentId, string? beforeId, int limit)
    {
        var where = new SqlWhere();
        if (stateType is not null)
        {
            where.Add($"state_type = {where.Param(stateType)}");
        }

        if (deploymentId is { } d)
        {
            where.Add($"deployment_id = {where.Param(d.ToString())}");
        }

        if (beforeId is not null)
        {
            where.Add($"id < {where.Param(beforeId)}");
        }

        return ($"SELECT body FROM flow_runs{where} ORDER BY id DESC LIMIT {limit}", where.Parameters);
    }

    /// <summary>Runs per state type (an index-only scan of ix_flow_runs_state_id).</summary>
    public Task<Dictionary<string, long>> StateCountsAsync(Guid? deploymentId, CancellationToken ct)
        => _db.ReadAsync(async c =>
        {
            var sql = deploymentId is null
                ? "SELECT state_type, COUNT(*) FROM flow_runs GROUP BY state_type"
                : "SELECT state_type, COUNT(*) FROM flow_runs WHERE deployment_id = @d GROUP BY state_type";
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            await using var command = c.Command(null, sql, [("d", deploymentId?.ToString())]);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                counts[reader.IsDBNull(0) ? "NONE" : reader.GetString(0)] = reader.GetInt64(1);
            }

            return counts;
        }, ct);

    /// <summary>id → name for the flows (or deployments) a page mentions: one IN query, not one per row.</summary>
    public Task<Dictionary<Guid, string>> NamesAsync(string table, IEnumerable<Guid> ids, CancellationToken ct)
    {
        var list = ids.Distinct().ToList();
        if (list.Count == 0)
        {
            return Task.FromResult(new Dictionary<Guid, string>());
        }

        if (table is not ("flows" or "deployments"))
        {
            throw new ArgumentOutOfRangeException(nameof(table));
        }

        var where = new SqlWhere();
        where.AddIn("id", list.Select(g => g.ToString()));
        return _db.ReadAsync(async c =>
        {
            var names = new Dictionary<Guid, string>();
            await using var command = c.Command(null, $"SELECT id, name FROM {table}{where}", where.Parameters);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                names[Guid.Parse(reader.GetString(0))] = reader.GetString(1);
            }

            return names;
        }, ct);
    }

    /// <summary>Deployments by name (then id), keyset-paged after (name, id).</summary>
    public Task<Page<DeploymentResponse>> DeploymentsAsync(string? afterName, string? afterId, CancellationToken ct)
    {
        var where = new SqlWhere();
        if (afterName is not null && afterId is not null)
        {
            var n = where.Param(afterName);
            where.Add($"(name > {n} OR (name = {n} AND id > {where.Param(afterId)}))");
        }

        return _db.ReadAsync(async c =>
        {
            var rows = await Rows.ManyAsync<DeploymentResponse>(c, null, $"SELECT body FROM deployments{where} ORDER BY name, id LIMIT {PageSize + 1}", where.Parameters).ConfigureAwait(false);
            return new Page<DeploymentResponse>(rows.Take(PageSize).ToList(), rows.Count > PageSize);
        }, ct);
    }

    public Task<DeploymentResponse?> DeploymentAsync(Guid id, CancellationToken ct)
        => _db.ReadAsync(c => Rows.OneAsync<DeploymentResponse>(c, null, "SELECT body FROM deployments WHERE id = @id", ("id", id.ToString())), ct);

    public Task<FlowRun?> RunAsync(Guid id, CancellationToken ct)
        => _db.ReadAsync(c => Rows.OneAsync<FlowRun>(c, null, "SELECT body FROM flow_runs WHERE id = @id", ("id", id.ToString())), ct);

    /// <summary>The run's state history, oldest first (ix_flow_run_states_run); capped, as a run rarely has more.</summary>
    public Task<List<State>> StatesAsync(Guid runId, CancellationToken ct)
        => _db.ReadAsync(c => Rows.ManyAsync<State>(c, null, "SELECT body FROM flow_run_states WHERE flow_run_id = @r ORDER BY timestamp, id LIMIT 500", [("r", runId.ToString())]), ct);

    /// <summary>
    /// One page of a run's logs at or above <paramref name="minLevel"/>, in time order after a (timestamp, id)
    /// cursor, or the newest page when <paramref name="tail"/>. ix_logs_run_time_level holds the level, so
    /// the filter is checked in the index and only the rows shown are read from the table.
    /// </summary>
    public Task<Page<Log>> LogsAsync(Guid runId, int minLevel, string? afterTimestamp, string? afterId, bool tail, CancellationToken ct)
    {
        var (sql, parameters) = LogsSql(runId, minLevel, afterTimestamp, afterId, tail, LogPageSize + 1);
        return _db.ReadAsync(async c =>
        {
            var rows = await Rows.ManyAsync<Log>(c, null, sql, parameters).ConfigureAwait(false);
            var page = rows.Take(LogPageSize).ToList();
            if (tail)
            {
                page.Reverse();
                return new Page<Log>(page, HasMore: false);
            }

            return new Page<Log>(page, rows.Count > LogPageSize);
        }, ct);
    }

    /// <summary>The log page's SQL (tests check its plan).</summary>
    internal static (string Sql, List<(string, object?)> Parameters) LogsSql(Guid runId, int minLevel, string? afterTimestamp, string? afterId, bool tail, int limit)
    {
        var where = new SqlWhere();
        where.Add($"flow_run_id = {where.Param(runId.ToString())}");
        if (minLevel > 0)
        {
            where.Add($"level >= {where.Param(minLevel)}");
        }

        if (!tail && afterTimestamp is not null && afterId is not null)
        {
            var ts = where.Param(afterTimestamp);
            // Written so the timestamp bound is an index range (an OR alone would scan from the run's first line).
            where.Add($"timestamp >= {ts} AND (timestamp > {ts} OR id > {where.Param(afterId)})");
        }

        var order = tail ? "timestamp DESC, id DESC" : "timestamp ASC, id ASC";
        return ($"SELECT body FROM logs{where} ORDER BY {order} LIMIT {limit}", where.Parameters);
    }

    /// <summary>Work pools by name, keyset-paged.</summary>
    public Task<Page<WorkPool>> WorkPoolsAsync(string? afterName, CancellationToken ct)
    {
        var where = new SqlWhere();
        if (afterName is not null)
        {
            where.Add($"name > {where.Param(afterName)}");
        }

        return _db.ReadAsync(async c =>
        {
            var rows = await Rows.ManyAsync<WorkPool>(c, null, $"SELECT body FROM work_pools{where} ORDER BY name LIMIT {PageSize + 1}", where.Parameters).ConfigureAwait(false);
            return new Page<WorkPool>(rows.Take(PageSize).ToList(), rows.Count > PageSize);
        }, ct);
    }

    /// <summary>The most recently seen workers of each pool (ix_workers_pool_heartbeat), at most <paramref name="perPool"/> each.</summary>
    public Task<Dictionary<Guid, List<Worker>>> WorkersAsync(IEnumerable<Guid> poolIds, int perPool, CancellationToken ct)
        => _db.ReadAsync(async c =>
        {
            var result = new Dictionary<Guid, List<Worker>>();
            foreach (var id in poolIds)
            {
                result[id] = await Rows.ManyAsync<Worker>(c, null,
                    $"SELECT body FROM workers WHERE work_pool_id = @p ORDER BY last_heartbeat_time DESC LIMIT {perPool}", [("p", id.ToString())]).ConfigureAwait(false);
            }

            return result;
        }, ct);
}
