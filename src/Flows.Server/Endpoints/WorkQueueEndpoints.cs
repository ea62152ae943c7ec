using Flows.Api.Models;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>A work pool's queues (Prefect's api/workers.py, /work_pools/{pool}/queues).</summary>
internal static class WorkQueueEndpoints
{
    public static void Map(IEndpointRouteBuilder api, Database db)
    {
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
