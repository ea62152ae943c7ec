using Flows.Api.Models;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>Worker heartbeats and listing (Prefect's api/workers.py, /work_pools/{pool}/workers).</summary>
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
            var filter = await Body.ReadAsync<WorkerFilterRequest>(request, allowEmpty: true);
            var workPool = await WorkPoolEndpoints.ReadAsync(db, pool, ct);
            var where = new SqlWhere();
            where.Add($"work_pool_id = {where.Param(workPool.Id.ToString())}");
            where.AddTime("last_heartbeat_time", filter.Workers?.LastHeartbeatTime);
            var workers = (await db.ReadAsync(c => Rows.ManyAsync<Worker>(c, null, $"SELECT body FROM workers{where} ORDER BY last_heartbeat_time DESC", where.Parameters), ct))
                .Select(w => w with { Status = IsOnline(w, DateTimeOffset.UtcNow) ? WorkerStatus.Online : WorkerStatus.Offline })
                .Where(w => filter.Workers?.Status?.Any is not { } any || any.Contains(w.Status))
                .Where(w => filter.Workers?.Status?.NotAny is not { } notAny || !notAny.Contains(w.Status))
                .Skip(Math.Max(0, filter.Offset ?? 0)).Take(Body.Limit(filter.Limit)).ToList();
            return Body.Json(workers);
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
