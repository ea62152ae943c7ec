using System.Text.Json;
using Flows.Api.Models;
using Flows.Server.Filtering;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>Work queues: a pool's (Prefect's api/workers.py, /work_pools/{pool}/queues) and the older by-id routes (api/work_queues.py).</summary>
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
            return Body.Json(WithStatus(queue), 201);
        });

        api.MapGet("/work_pools/{pool}/queues/{name}", async (string pool, string name, CancellationToken ct) =>
            Body.Json(await ReadAsync(db, pool, name, ct)));

        api.MapPost("/work_pools/{pool}/queues/filter", async (string pool, HttpRequest request, CancellationToken ct) =>
        {
            var filter = await FilterRequest.ReadAsync(request);
            var workPool = await WorkPoolEndpoints.ReadAsync(db, pool, ct);
            return Body.Json(await FilterAsync(db, filter, "work_queues", workPool.Id, ct));
        });

        api.MapPatch("/work_pools/{pool}/queues/{name}", async (string pool, string name, HttpRequest request, CancellationToken ct) =>
        {
            var update = await ReadUpdateAsync(request);
            var queue = await ReadAsync(db, pool, name, ct);
            await UpdateAsync(db, queue.Id, update, ct);
            return Results.NoContent();
        });

        api.MapDelete("/work_pools/{pool}/queues/{name}", async (string pool, string name, CancellationToken ct) =>
        {
            var queue = await ReadAsync(db, pool, name, ct);
            await DeleteAsync(db, queue, ct);
            return Results.NoContent();
        });

        // The older /work_queues routes, by queue id; Prefect's UI still reads queues through them.
        api.MapPost("/work_queues/filter", async (HttpRequest request, CancellationToken ct) =>
            Body.Json(await FilterAsync(db, await FilterRequest.ReadAsync(request), "work_queues", null, ct)));

        api.MapGet("/work_queues/{id}", async (string id, CancellationToken ct) => Body.Json(await ReadByIdAsync(db, Body.Id(id), ct)));

        api.MapGet("/work_queues/name/{name}", async (string name, CancellationToken ct) =>
            Body.Json(await ReadAsync(db, DefaultAgentPool, name, ct)));

        api.MapPatch("/work_queues/{id}", async (string id, HttpRequest request, CancellationToken ct) =>
        {
            var queueId = Body.Id(id);
            var update = await ReadUpdateAsync(request);
            await ReadByIdAsync(db, queueId, ct);
            await UpdateAsync(db, queueId, update, ct);
            return Results.NoContent();
        });

        api.MapDelete("/work_queues/{id}", async (string id, CancellationToken ct) =>
        {
            await DeleteAsync(db, await ReadByIdAsync(db, Body.Id(id), ct), ct);
            return Results.NoContent();
        });

        // The runs waiting in a queue (Prefect's UI lists a queue's upcoming runs with it): Scheduled, due before
        // scheduled_before when given, soonest first; a paused queue hands out none. Polls through here are not recorded.
        api.MapPost("/work_queues/{id}/get_runs", async (string id, HttpRequest request, CancellationToken ct) =>
        {
            var queue = await ReadByIdAsync(db, Body.Id(id), ct);
            var filter = await FilterRequest.ReadAsync(request);
            if (queue.IsPaused)
            {
                return Body.Json(Array.Empty<FlowRun>());
            }

            var where = new SqlWhere();
            var clause = $" WHERE work_queue_id = {where.Param(queue.Id.ToString())} AND state_type = 'SCHEDULED'";
            if (filter.Body.TryGetProperty("scheduled_before", out var before) && before.ValueKind != JsonValueKind.Null)
            {
                var time = before.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(before.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t)
                    ? t
                    : throw ApiException.Validation(["body", "scheduled_before"], "Input should be a valid datetime", "datetime_parsing");
                clause += $" AND next_scheduled_start_time <= {where.Param(Rows.Time(time))}";
            }

            return Body.Json(await db.ReadAsync(c => Rows.ManyAsync<FlowRun>(c, null,
                $"SELECT body FROM flow_runs{clause} ORDER BY next_scheduled_start_time LIMIT {filter.Limit}", where.Parameters), ct));
        });

        // Health as Prefect reports it: healthy when polled within the last 60 seconds and no run is late.
        api.MapGet("/work_queues/{id}/status", async (string id, CancellationToken ct) =>
        {
            var queue = await ReadByIdAsync(db, Body.Id(id), ct);
            var now = DateTimeOffset.UtcNow;
            var late = await db.ReadAsync(c => c.ScalarAsync<long>(null,
                "SELECT COUNT(*) FROM flow_runs WHERE work_queue_id = @q AND state_type = 'SCHEDULED' AND state_name = 'Late'", ("q", queue.Id.ToString())), ct);
            var polledRecently = queue.LastPolled is { } polled && now - polled <= TimeSpan.FromSeconds(PollingHealthSeconds);
            return Body.Json(new Dictionary<string, object?>
            {
                ["healthy"] = polledRecently && late == 0,
                ["late_runs_count"] = late,
                ["last_polled"] = queue.LastPolled,
                ["health_check_policy"] = new Dictionary<string, object?> { ["maximum_late_runs"] = 0, ["maximum_seconds_since_last_polled"] = PollingHealthSeconds },
            });
        });
    }

    /// <summary>The pool Prefect's by-name queue routes (<c>/work_queues/name/{name}</c>) look in.</summary>
    private const string DefaultAgentPool = "default-agent-pool";

    private const int PollingHealthSeconds = 60;

    /// <summary>Prefect's queue status: PAUSED, READY when a worker polled it within the last 60 seconds, else NOT_READY.</summary>
    internal static WorkQueue WithStatus(WorkQueue queue) => queue with
    {
        Status = queue.IsPaused ? WorkQueueStatus.Paused
            : queue.LastPolled is { } polled && DateTimeOffset.UtcNow - polled <= TimeSpan.FromSeconds(PollingHealthSeconds) ? WorkQueueStatus.Ready
            : WorkQueueStatus.NotReady,
    };

    /// <summary>How stale a recorded poll may get before a poll writes it again (keeps worker polls mostly read-only).</summary>
    private static readonly TimeSpan PollRecordInterval = TimeSpan.FromSeconds(10);

    /// <summary>Records that a worker polled these queues (get_scheduled_flow_runs), at most once per queue every 10 seconds.</summary>
    internal static async Task RecordPollAsync(Database db, IReadOnlyList<WorkQueue> queues, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var stale = queues.Where(q => q.LastPolled is not { } last || now - last > PollRecordInterval).ToList();
        if (stale.Count == 0)
        {
            return;
        }

        await db.WriteAsync(async (c, t) =>
        {
            foreach (var queue in stale)
            {
                var current = await Rows.OneAsync<WorkQueue>(c, t, $"SELECT body FROM work_queues WHERE id = @id{db.ForUpdate}", ("id", queue.Id.ToString()));
                if (current is not null)
                {
                    await c.ExecuteAsync(t, "UPDATE work_queues SET last_polled = @l, body = @b WHERE id = @id",
                        ("l", Rows.Time(now)), ("b", Rows.Json(current with { LastPolled = now })), ("id", queue.Id.ToString()));
                }
            }

            return 0;
        }, ct);
    }

    internal static async Task<WorkQueue> ReadAsync(Database db, string pool, string name, CancellationToken ct)
    {
        var workPool = await WorkPoolEndpoints.ReadAsync(db, pool, ct);
        var queue = await db.ReadAsync(c => Rows.OneAsync<WorkQueue>(c, null, "SELECT body FROM work_queues WHERE work_pool_id = @p AND name = @n", ("p", workPool.Id.ToString()), ("n", name)), ct)
            ?? throw ApiException.NotFound($"Work queue '{name}'");
        return WithStatus(queue);
    }

    internal static async Task<WorkQueue> ReadByIdAsync(Database db, Guid id, CancellationToken ct)
        => WithStatus(await db.ReadAsync(c => Rows.OneAsync<WorkQueue>(c, null, "SELECT body FROM work_queues WHERE id = @id", ("id", id.ToString())), ct)
            ?? throw ApiException.NotFound("Work queue"));

    /// <summary>Queues matching the body's <paramref name="section"/> filter (in one pool when given), by priority then name.</summary>
    internal static async Task<List<WorkQueue>> FilterAsync(Database db, FilterRequest filter, string section, Guid? poolId, CancellationToken ct)
    {
        var where = new SqlWhere();
        var clause = FilterQueries.WorkQueues(filter, where, db, section);
        if (poolId is { } p)
        {
            clause += (clause.Length == 0 ? " WHERE " : " AND ") + $"wq.work_pool_id = {where.Param(p.ToString())}";
        }

        var queues = await db.ReadAsync(c => Rows.ManyAsync<WorkQueue>(c, null,
            $"SELECT wq.body FROM work_queues wq{clause} ORDER BY wq.priority, wq.name LIMIT {filter.Limit} OFFSET {filter.Offset}", where.Parameters), ct);
        return queues.Select(WithStatus).ToList();
    }

    // WorkQueueUpdate: only the fields sent change; null clears the ones that may be null (as Prefect's exclude_unset).
    private static async Task<JsonElement> ReadUpdateAsync(HttpRequest request)
    {
        var update = await Body.ReadAsync<Dictionary<string, JsonElement>>(request, allowEmpty: true);
        foreach (var key in update.Keys.Where(k => !UpdatableFields.Contains(k)))
        {
            throw ApiException.Validation(["body", key], "Extra inputs are not permitted", "extra_forbidden");
        }

        return JsonSerializer.SerializeToElement(update);
    }

    private static readonly string[] UpdatableFields = ["name", "description", "is_paused", "concurrency_limit", "priority"];

    private static Task<int> UpdateAsync(Database db, Guid id, JsonElement update, CancellationToken ct)
        => db.WriteAsync(async (c, t) =>
        {
            var q = await Rows.OneAsync<WorkQueue>(c, t, $"SELECT body FROM work_queues WHERE id = @id{db.ForUpdate}", ("id", id.ToString()))
                ?? throw ApiException.NotFound("Work queue");
            try
            {
                if (update.TryGetProperty("name", out var name))
                {
                    Body.CheckName(name.GetString(), "Work queue");
                    if (name.GetString() != q.Name && await c.ScalarAsync<string>(t, "SELECT id FROM work_queues WHERE work_pool_id = @p AND name = @n", ("p", q.WorkPoolId.ToString()), ("n", name.GetString())) is not null)
                    {
                        throw ApiException.Conflict($"A work queue named '{name.GetString()}' already exists in this pool.");
                    }

                    q = q with { Name = name.GetString()! };
                }

                q = q with
                {
                    Updated = DateTimeOffset.UtcNow,
                    Description = update.TryGetProperty("description", out var d) ? d.GetString() : q.Description,
                    IsPaused = update.TryGetProperty("is_paused", out var p) ? p.GetBoolean() : q.IsPaused,
                    ConcurrencyLimit = update.TryGetProperty("concurrency_limit", out var l) ? (l.ValueKind == JsonValueKind.Null ? null : NonNegative(l, "concurrency_limit")) : q.ConcurrencyLimit,
                    Priority = update.TryGetProperty("priority", out var pr) ? Math.Max(1, NonNegative(pr, "priority")) : q.Priority,
                };
            }
            catch (InvalidOperationException ex)
            {
                throw ApiException.Invalid($"Invalid work queue update: {ex.Message}");
            }

            return await c.ExecuteAsync(t, "UPDATE work_queues SET name = @n, priority = @pr, is_paused = @ip, body = @b WHERE id = @id",
                ("n", q.Name), ("pr", q.Priority), ("ip", q.IsPaused ? 1 : 0), ("b", Rows.Json(q)), ("id", id.ToString()));
        }, ct);

    private static int NonNegative(JsonElement value, string field)
        => value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= 0 ? n : throw ApiException.Validation(["body", field], "Input should be a non-negative integer", "int_type");

    // Prefect refuses to delete a pool's default queue; runs in a deleted queue keep their pool and lose the queue.
    private static Task<int> DeleteAsync(Database db, WorkQueue queue, CancellationToken ct)
        => db.WriteAsync(async (c, t) =>
        {
            if (await c.ScalarAsync<string>(t, "SELECT body FROM work_pools WHERE id = @p", ("p", queue.WorkPoolId.ToString())) is { } poolBody
                && Rows.Parse<WorkPool>(poolBody).DefaultQueueId == queue.Id)
            {
                throw new ApiException(System.Net.HttpStatusCode.BadRequest, "Can't delete a pool's default queue.");
            }

            await c.ExecuteAsync(t, "UPDATE flow_runs SET work_queue_id = NULL WHERE work_queue_id = @q", ("q", queue.Id.ToString()));
            return await c.ExecuteAsync(t, "DELETE FROM work_queues WHERE id = @q", ("q", queue.Id.ToString()));
        }, ct);

    private sealed class QueueBody
    {
        public string? Name { get; init; }
        public string? Description { get; init; }
        public bool? IsPaused { get; init; }
        public int? ConcurrencyLimit { get; init; }
        public int? Priority { get; init; }
    }
}
