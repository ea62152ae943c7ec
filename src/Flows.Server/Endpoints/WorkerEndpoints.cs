using Flows.Api.Models;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>Worker heartbeats and listing, work queues, and the PATCH/DELETE verbs of pools.</summary>
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

        api.MapPost("/work_pools/{pool}/queues", async (string pool, HttpRequest request, CancellationToken ct) =>
        {
            var create = await Body.ReadAsync<QueueBody>(request);
            Body.CheckName(create.Name, "Work queue");
            var workPool = await WorkPoolEndpoints.ReadAsync(db, pool, ct);
            var queue = await db.WriteAsync(async (c, t) =>
            {
                if (await c.ScalarAsync<string>(t, "SELECT id FROM work_queues WHERE work_pool_id = @p AND name = @n", ("p", workPool.Id.ToString()), ("n", create.Name)) is not null)
                {
                    throw ApiException.Conflict($"A work queue named '{create.Name}' already exists in pool '{pool}'.");
                }

                var now = DateTimeOffset.UtcNow;
                var q = new WorkQueue
                {
                    Id = Guid.CreateVersion7(), Created = now, Updated = now, Name = create.Name!, Description = create.Description ?? string.Empty,
                    IsPaused = create.IsPaused ?? false, ConcurrencyLimit = create.ConcurrencyLimit, Priority = create.Priority ?? 1, WorkPoolId = workPool.Id, WorkPoolName = workPool.Name,
                };
                await c.ExecuteAsync(t, "INSERT INTO work_queues (id, work_pool_id, name, priority, is_paused, body) VALUES (@id, @p, @n, @pr, @ip, @b)",
                    ("id", q.Id.ToString()), ("p", workPool.Id.ToString()), ("n", q.Name), ("pr", q.Priority), ("ip", q.IsPaused ? 1 : 0), ("b", Rows.Json(q)));
                return q;
            }, ct);
            return Body.Json(queue with { Status = queue.IsPaused ? WorkQueueStatus.Paused : WorkQueueStatus.NotReady }, 201);
        });

        api.MapGet("/work_pools/{pool}/queues/{name}", async (string pool, string name, CancellationToken ct) =>
        {
            var workPool = await WorkPoolEndpoints.ReadAsync(db, pool, ct);
            var queue = await db.ReadAsync(c => Rows.OneAsync<WorkQueue>(c, null, "SELECT body FROM work_queues WHERE work_pool_id = @p AND name = @n", ("p", workPool.Id.ToString()), ("n", name)), ct)
                ?? throw ApiException.NotFound($"Work queue '{name}'");
            return Body.Json(queue with { Status = queue.IsPaused ? WorkQueueStatus.Paused : WorkQueueStatus.NotReady });
        });

        api.MapPatch("/work_pools/{pool}", async (string pool, HttpRequest request, CancellationToken ct) =>
        {
            var update = await Body.ReadAsync<WorkPoolUpdate>(request, allowEmpty: true);
            await db.WriteAsync(async (c, t) =>
            {
                var current = await Rows.OneAsync<WorkPool>(c, t, $"SELECT body FROM work_pools WHERE name = @n{db.ForUpdate}", ("n", pool))
                    ?? throw ApiException.NotFound($"Work pool '{pool}'");
                var updated = current with
                {
                    Updated = DateTimeOffset.UtcNow, Description = update.Description ?? current.Description, IsPaused = update.IsPaused ?? current.IsPaused,
                    BaseJobTemplate = update.BaseJobTemplate ?? current.BaseJobTemplate, ConcurrencyLimit = update.ConcurrencyLimit ?? current.ConcurrencyLimit,
                };
                return await c.ExecuteAsync(t, "UPDATE work_pools SET body = @b WHERE id = @id", ("b", Rows.Json(updated)), ("id", current.Id.ToString()));
            }, ct);
            return Results.NoContent();
        });

        api.MapDelete("/work_pools/{pool}", async (string pool, CancellationToken ct) =>
        {
            await db.WriteAsync(async (c, t) =>
            {
                var id = await c.ScalarAsync<string>(t, "SELECT id FROM work_pools WHERE name = @n", ("n", pool)) ?? throw ApiException.NotFound($"Work pool '{pool}'");
                await c.ExecuteAsync(t, "DELETE FROM work_queues WHERE work_pool_id = @id", ("id", id));
                await c.ExecuteAsync(t, "DELETE FROM workers WHERE work_pool_id = @id", ("id", id));
                return await c.ExecuteAsync(t, "DELETE FROM work_pools WHERE id = @id", ("id", id));
            }, ct);
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

    private sealed class QueueBody
    {
        public string? Name { get; init; }
        public string? Description { get; init; }
        public bool? IsPaused { get; init; }
        public int? ConcurrencyLimit { get; init; }
        public int? Priority { get; init; }
    }
}
