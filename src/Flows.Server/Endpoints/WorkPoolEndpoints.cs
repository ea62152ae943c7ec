using System.Text.Json;
using Flows.Api.Models;
using Flows.Server.Filtering;
using Flows.Server.Hosting;
using Flows.Server.Orchestration;
using Flows.Server.Storage;
using Flows.Server.WorkPools;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>Work pools (Prefect's api/workers.py): create, read, filter, update, delete and get_scheduled_flow_runs.</summary>
internal static class WorkPoolEndpoints
{
    /// <summary>Most runs one get_scheduled_flow_runs answers; a worker asking for more (or not saying) gets this many, and polls again.</summary>
    public const int MaxScheduledRuns = 1_000;

    private const int MaxDescriptionLength = 10_000;

    public static void Map(IEndpointRouteBuilder api, Database db)
    {
        api.MapPost("/work_pools/", async (HttpRequest request, CancellationToken ct) =>
        {
            var create = await Body.ReadAsync<WorkPoolCreateBody>(request);
            return Body.Json(WithStatus(await CreateAsync(db, create, ct)), 201);
        });

        api.MapGet("/work_pools/{name}", async (string name, CancellationToken ct) =>
        {
            var pool = await ReadAsync(db, name, ct);
            var workers = await db.ReadAsync(c => Rows.ManyAsync<Worker>(c, null, "SELECT body FROM workers WHERE work_pool_id = @p", [("p", pool.Id.ToString())]), ct);
            var online = workers.Any(w => WorkerEndpoints.IsOnline(w, DateTimeOffset.UtcNow));
            return Body.Json(pool with { Status = pool.IsPaused ? WorkPoolStatus.Paused : online ? WorkPoolStatus.Ready : WorkPoolStatus.NotReady });
        });

        api.MapPost("/work_pools/filter", async (HttpRequest request, CancellationToken ct) =>
        {
            var filter = await FilterRequest.ReadAsync(request);
            var where = new SqlWhere();
            var clause = FilterQueries.WorkPools(filter, where, db);
            var pools = await db.ReadAsync(c => Rows.ManyAsync<WorkPool>(c, null,
                $"SELECT wp.body FROM work_pools wp{clause} ORDER BY wp.name LIMIT {filter.Limit} OFFSET {filter.Offset}", where.Parameters), ct);
            // Prefect's pool status: READY while a worker is online (paused wins), else NOT_READY.
            var now = DateTimeOffset.UtcNow;
            var workers = await db.ReadAsync(c => Rows.ManyAsync<Worker>(c, null, "SELECT body FROM workers", []), ct);
            var ready = workers.Where(w => WorkerEndpoints.IsOnline(w, now)).Select(w => w.WorkPoolId).ToHashSet();
            return Body.Json(pools.Select(p => p with { Status = p.IsPaused ? WorkPoolStatus.Paused : ready.Contains(p.Id) ? WorkPoolStatus.Ready : WorkPoolStatus.NotReady }).ToList());
        });

        api.MapPost("/work_pools/count", async (HttpRequest request, CancellationToken ct) =>
        {
            var filter = await FilterRequest.ReadAsync(request);
            var where = new SqlWhere();
            var clause = FilterQueries.WorkPools(filter, where, db);
            return Body.Json(await db.ReadAsync(c => c.ScalarAsync<long>(null, $"SELECT COUNT(*) FROM work_pools wp{clause}", [.. where.Parameters]), ct));
        });

        api.MapPost("/work_pools/{name}/get_scheduled_flow_runs", async (string name, HttpRequest request, CancellationToken ct) =>
        {
            var body = await Body.ReadAsync<GetScheduledFlowRunsRequest>(request, allowEmpty: true);
            var pool = await ReadAsync(db, name, ct);
            if (pool.IsPaused)
            {
                return Body.Json(new List<WorkerFlowRunResponse>());
            }

            // One indexed range scan per queue, in priority order, instead of sorting the pool's whole
            // backlog by (priority, time) on every poll.
            var before = Rows.Time(body.ScheduledBefore ?? DateTimeOffset.UtcNow);
            var after = body.ScheduledAfter is { } a ? Rows.Time(a) : null;
            var names = body.WorkQueueNames is { Count: > 0 } n ? n.ToHashSet() : null;
            if (body.Limit is < 0 or > MaxScheduledRuns)
            {
                throw ApiException.Validation(["body", "limit"], $"Input should be between 0 and {MaxScheduledRuns}", "value_error");
            }

            if (body.WorkQueueNames is { Count: > MaxScheduledRuns })
            {
                throw ApiException.Validation(["body", "work_queue_names"], $"List should have at most {MaxScheduledRuns} items", "too_long");
            }

            var remaining = body.Limit ?? MaxScheduledRuns;
            var polled = new List<WorkQueue>();
            var runs = await db.ReadAsync(async c =>
            {
                // Concurrency limits (as Prefect's query does): no more runs than the pool's and each queue's free slots.
                if (pool.ConcurrencyLimit is { } poolLimit)
                {
                    remaining = (int)Math.Min(remaining, Math.Max(0, poolLimit - await ConcurrencySlots.ActiveAsync(c, null, "work_pool_id", pool.Id)));
                }

                var queues = await Rows.ManyAsync<WorkQueue>(c, null, "SELECT body FROM work_queues WHERE work_pool_id = @p AND is_paused = 0 ORDER BY priority, name",
                    [("p", pool.Id.ToString())]);
                var found = new List<FlowRun>();
                polled.AddRange(queues.Where(q => names is null || names.Contains(q.Name)));
                foreach (var queue in polled)
                {
                    if (found.Count >= remaining)
                    {
                        break;
                    }

                    var free = remaining - found.Count;
                    if (queue.ConcurrencyLimit is { } queueLimit)
                    {
                        free = (int)Math.Min(free, Math.Max(0, queueLimit - await ConcurrencySlots.ActiveAsync(c, null, "work_queue_id", queue.Id)));
                        if (free == 0)
                        {
                            continue;
                        }
                    }

                    var take = $" LIMIT {free}";
                    found.AddRange(await Rows.ManyAsync<FlowRun>(c, null,
                        "SELECT body FROM flow_runs WHERE work_queue_id = @q AND state_type = 'SCHEDULED' AND next_scheduled_start_time <= @b"
                        + (after is null ? string.Empty : " AND next_scheduled_start_time >= @a") + $" ORDER BY next_scheduled_start_time{take}",
                        [("q", queue.Id.ToString()), ("b", before), ("a", after)]));
                }

                return found;
            }, ct);
            await WorkQueueEndpoints.RecordPollAsync(db, polled, ct);
            return Body.Json(runs.Select(r => new WorkerFlowRunResponse { WorkPoolId = pool.Id, WorkQueueId = r.WorkQueueId!.Value, FlowRun = r }).ToList());
        });

        api.MapPatch("/work_pools/{pool}", async (string pool, HttpRequest request, CancellationToken ct) =>
        {
            var update = await Body.ReadAsync<WorkPoolUpdate>(request, allowEmpty: true);
            if (update.BaseJobTemplate is { ValueKind: not JsonValueKind.Null } template)
            {
                BaseJobTemplateValidation.Validate(template);
            }

            Body.CheckLength(update.Description, MaxDescriptionLength, "body", "description");
            if (update.ConcurrencyLimit is < 0)
            {
                throw ApiException.Validation(["body", "concurrency_limit"], "Input should be greater than or equal to 0", "greater_than_equal");
            }

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
                // Deployments name their pool; deleting it under them would leave runs nobody can pick up (a documented
                // difference from Prefect, which detaches them). Move or delete them first.
                var users = await Rows.ManyAsync<DeploymentResponse>(c, t, "SELECT body FROM deployments WHERE work_pool_name = @n ORDER BY name", [("n", (object?)pool)]);
                if (users.Count > 0)
                {
                    var names = string.Join(", ", users.Take(10).Select(d => $"'{d.Name}' ({d.Id})")) + (users.Count > 10 ? $" and {users.Count - 10} more" : string.Empty);
                    throw ApiException.Conflict($"Work pool '{pool}' is used by {users.Count} deployment(s): {names}. Move them to another pool or delete them first.");
                }

                await c.ExecuteAsync(t, "DELETE FROM work_queues WHERE work_pool_id = @id", ("id", id));
                await c.ExecuteAsync(t, "DELETE FROM workers WHERE work_pool_id = @id", ("id", id));
                return await c.ExecuteAsync(t, "DELETE FROM work_pools WHERE id = @id", ("id", id));
            }, ct);
            return Results.NoContent();
        });
    }

    /// <summary>POST /work_pools/: a pool (default base job template of its type unless one is given) and its default queue. The web UI's create form calls this too.</summary>
    internal static async Task<WorkPool> CreateAsync(Database db, WorkPoolCreateBody create, CancellationToken ct)
    {
        Body.CheckName(create.Name, "Work pool");
        var type = string.IsNullOrWhiteSpace(create.Type) ? "prefect-agent" : create.Type;
        var template = create.BaseJobTemplate is { ValueKind: JsonValueKind.Object } t && t.EnumerateObject().Any()
            ? t
            : BaseJobTemplates.ForType(type) ?? JsonDocument.Parse("{}").RootElement.Clone();
        if (create.BaseJobTemplate is { ValueKind: not JsonValueKind.Null } given)
        {
            BaseJobTemplateValidation.Validate(given);
        }

        Body.CheckLength(create.Description, MaxDescriptionLength, "body", "description");
        if (create.ConcurrencyLimit is < 0)
        {
            throw ApiException.Validation(["body", "concurrency_limit"], "Input should be greater than or equal to 0", "greater_than_equal");
        }

        return await db.WriteAsync(async (c, tx) =>
        {
            if (await c.ScalarAsync<string>(tx, "SELECT id FROM work_pools WHERE name = @n", ("n", create.Name)) is not null)
            {
                throw ApiException.Conflict($"A work pool named '{create.Name}' already exists.");
            }

            var now = DateTimeOffset.UtcNow;
            var queue = new WorkQueue { Id = Guid.CreateVersion7(), Created = now, Updated = now, Name = "default", Description = "The work pool's default queue.", Priority = 1 };
            var pool = new WorkPool
            {
                Id = Guid.CreateVersion7(), Created = now, Updated = now, Name = create.Name!, Description = create.Description, Type = type,
                BaseJobTemplate = template, IsPaused = create.IsPaused ?? false, ConcurrencyLimit = create.ConcurrencyLimit, DefaultQueueId = queue.Id,
            };
            queue = queue with { WorkPoolId = pool.Id, WorkPoolName = pool.Name };
            await c.ExecuteAsync(tx, "INSERT INTO work_pools (id, name, type, created, body) VALUES (@id, @n, @t, @c, @b)",
                ("id", pool.Id.ToString()), ("n", pool.Name), ("t", pool.Type), ("c", Rows.Time(now)), ("b", Rows.Json(pool)));
            await c.ExecuteAsync(tx, "INSERT INTO work_queues (id, work_pool_id, name, priority, is_paused, body) VALUES (@id, @p, @n, 1, 0, @b)",
                ("id", queue.Id.ToString()), ("p", pool.Id.ToString()), ("n", queue.Name), ("b", Rows.Json(queue)));
            return pool;
        }, ct);
    }

    public static async Task<WorkPool> ReadAsync(Database db, string name, CancellationToken ct)
        => await db.ReadAsync(c => Rows.OneAsync<WorkPool>(c, null, "SELECT body FROM work_pools WHERE name = @n", ("n", name)), ct)
           ?? throw ApiException.NotFound($"Work pool '{name}'");

    // A new pool has no worker yet: NOT_READY unless paused. GET /work_pools/{name} and the filter derive READY from online workers.
    private static WorkPool WithStatus(WorkPool pool) => pool with { Status = pool.IsPaused ? WorkPoolStatus.Paused : WorkPoolStatus.NotReady };

    internal sealed class WorkPoolCreateBody
    {
        public string? Name { get; init; }
        public string? Description { get; init; }
        public string? Type { get; init; }
        public JsonElement? BaseJobTemplate { get; init; }
        public bool? IsPaused { get; init; }
        public int? ConcurrencyLimit { get; init; }
    }
}
