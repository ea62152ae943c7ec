using Flows.Api.Models;
using Flows.Server.Filtering;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>Worker heartbeats, listing and removal (Prefect's api/workers.py, /work_pools/{pool}/workers).</summary>
internal static class WorkerEndpoints
{
    /// <summary>Prefect's rule: a worker is offline after missing three heartbeats.</summary>
    private const int MissedHeartbeats = 3;

    private const int DefaultHeartbeatSeconds = 30;

    public static void Map(IEndpointRouteBuilder api, Database db)
    {
        api.MapPost("/work_pools/{pool}/workers/heartbeat", async (string pool, HttpRequest request, CancellationToken ct) =>
        {
            var beat = await Body.ReadAsync<HeartbeatBody>(request);
            Body.CheckName(beat.Name, "Worker");
            var workPool = await WorkPoolEndpoints.ReadAsync(db, pool, ct);
            await db.WriteAsync(async (c, t) =>
            {
                var now = DateTimeOffset.UtcNow;
                var existing = await Rows.OneAsync<Worker>(c, t, "SELECT body FROM workers WHERE work_pool_id = @p AND name = @n", ("p", workPool.Id.ToString()), ("n", beat.Name));
                var worker = new Worker
                {
                    Id = existing?.Id ?? Guid.CreateVersion7(), Created = existing?.Created ?? now, Updated = now, Name = beat.Name!, WorkPoolId = workPool.Id,
                    LastHeartbeatTime = now, HeartbeatIntervalSeconds = beat.HeartbeatIntervalSeconds ?? existing?.HeartbeatIntervalSeconds, Status = WorkerStatus.Online,
                };
                await c.ExecuteAsync(t, existing is null
                    ? "INSERT INTO workers (id, work_pool_id, name, last_heartbeat_time, body) VALUES (@id, @p, @n, @h, @b)"
                    : "UPDATE workers SET last_heartbeat_time = @h, body = @b WHERE id = @id AND work_pool_id = @p AND name = @n",
                    ("id", worker.Id.ToString()), ("p", workPool.Id.ToString()), ("n", worker.Name), ("h", Rows.Time(now)), ("b", Rows.Json(worker)));
                return 0;
            }, ct);
            return Results.NoContent();
        });

        api.MapPost("/work_pools/{pool}/workers/filter", async (string pool, HttpRequest request, CancellationToken ct) =>
        {
            var filter = await FilterRequest.ReadAsync(request);
            var workPool = await WorkPoolEndpoints.ReadAsync(db, pool, ct);
            var now = DateTimeOffset.UtcNow;
            // A worker's status follows from its heartbeats, so the status criterion is evaluated against the pool's online workers.
            var all = await db.ReadAsync(c => Rows.ManyAsync<Worker>(c, null, "SELECT body FROM workers WHERE work_pool_id = @p", [("p", workPool.Id.ToString())]), ct);
            var online = all.Where(w => IsOnline(w, now)).Select(w => w.Id.ToString()).ToHashSet();
            var where = new SqlWhere();
            var clause = FilterQueries.Workers(filter, where, db, online);
            clause += (clause.Length == 0 ? " WHERE " : " AND ") + $"w.work_pool_id = {where.Param(workPool.Id.ToString())}";
            var workers = await db.ReadAsync(c => Rows.ManyAsync<Worker>(c, null,
                $"SELECT w.body FROM workers w{clause} ORDER BY w.last_heartbeat_time DESC, w.name LIMIT {filter.Limit} OFFSET {filter.Offset}", where.Parameters), ct);
            return Body.Json(workers.Select(w => w with { Status = online.Contains(w.Id.ToString()) ? WorkerStatus.Online : WorkerStatus.Offline }).ToList());
        });

        api.MapDelete("/work_pools/{pool}/workers/{name}", async (string pool, string name, CancellationToken ct) =>
        {
            var workPool = await WorkPoolEndpoints.ReadAsync(db, pool, ct);
            if (await db.WriteAsync((c, t) => c.ExecuteAsync(t, "DELETE FROM workers WHERE work_pool_id = @p AND name = @n", ("p", workPool.Id.ToString()), ("n", name)), ct) == 0)
            {
                throw ApiException.NotFound($"Worker '{name}'");
            }

            return Results.NoContent();
        });
    }

    public static bool IsOnline(Worker worker, DateTimeOffset now)
        => worker.LastHeartbeatTime is { } last
           && (now - last).TotalSeconds <= MissedHeartbeats * (worker.HeartbeatIntervalSeconds ?? DefaultHeartbeatSeconds);

    private sealed class HeartbeatBody
    {
        public string? Name { get; init; }
        public int? HeartbeatIntervalSeconds { get; init; }
    }
}
