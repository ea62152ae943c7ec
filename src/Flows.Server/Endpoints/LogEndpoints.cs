using Flows.Api.Models;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>Writing and reading logs (Prefect's api/logs.py).</summary>
internal static class LogEndpoints
{
    private const int MaxLogBatch = 10_000;

    public static void Map(IEndpointRouteBuilder api, Database db)
    {
        api.MapPost("/logs/", async (HttpRequest request, CancellationToken ct) =>
        {
            var logs = await Body.ReadListAsync<LogCreateBody>(request);
            if (logs.Count > MaxLogBatch)
            {
                throw new ApiException(System.Net.HttpStatusCode.RequestEntityTooLarge, $"A log batch holds at most {MaxLogBatch} entries; got {logs.Count}.");
            }

            for (var i = 0; i < logs.Count; i++)
            {
                var l = logs[i];
                if (l is null || l.Name is null || l.Level is null || l.Message is null || l.Timestamp is null)
                {
                    throw ApiException.Invalid($"Log entry {i} needs name, level, message and timestamp.");
                }
            }

            await db.WriteAsync(async (c, t) =>
            {
                var now = DateTimeOffset.UtcNow;
                foreach (var l in logs)
                {
                    // A content-derived id makes a repeated batch (its first answer lost) store nothing twice.
                    var id = LogIds.For(l.FlowRunId, l.TaskRunId, l.Name!, l.Level!.Value, l.Timestamp!.Value, l.Message!);
                    var log = new Log { Id = id, Created = now, Updated = now, Name = l.Name!, Level = l.Level!.Value, Message = l.Message!, Timestamp = l.Timestamp!.Value, FlowRunId = l.FlowRunId, TaskRunId = l.TaskRunId };
                    await c.ExecuteAsync(t, "INSERT INTO logs (id, flow_run_id, task_run_id, level, timestamp, message, body) VALUES (@id, @r, @tr, @l, @ts, @m, @b) ON CONFLICT (id) DO NOTHING",
                        ("id", log.Id.ToString()), ("r", log.FlowRunId?.ToString()), ("tr", log.TaskRunId?.ToString()), ("l", log.Level),
                        ("ts", Rows.Time(log.Timestamp)), ("m", log.Message), ("b", Rows.Json(log)));
                }

                return 0;
            }, ct);
            return Results.StatusCode(201);
        });

        api.MapPost("/logs/filter", async (HttpRequest request, CancellationToken ct) =>
        {
            var filter = await Body.ReadAsync<LogFilterRequest>(request, allowEmpty: true);
            var where = new SqlWhere();
            where.AddIn("flow_run_id", filter.Logs?.FlowRunId?.Any?.Select(g => g.ToString()));
            where.AddIn("task_run_id", filter.Logs?.TaskRunId?.Any?.Select(g => g.ToString()));
            if (filter.Logs?.Level?.Ge is { } ge)
            {
                where.Add($"level >= {where.Param(ge)}");
            }

            if (filter.Logs?.Level?.Le is { } le)
            {
                where.Add($"level <= {where.Param(le)}");
            }

            where.AddTime("timestamp", filter.Logs?.Timestamp);
            var order = filter.Sort == "TIMESTAMP_DESC" ? "timestamp DESC, id DESC" : "timestamp ASC, id ASC";
            var logs = await db.ReadAsync(c => Rows.ManyAsync<Log>(c, null,
                $"SELECT body FROM logs{where} ORDER BY {order} LIMIT {Body.Limit(filter.Limit)} OFFSET {Math.Max(0, filter.Offset ?? 0)}", where.Parameters), ct);
            return Body.Json(logs);
        });
    }

    private sealed class LogCreateBody
    {
        public string? Name { get; init; }
        public int? Level { get; init; }
        public string? Message { get; init; }
        public DateTimeOffset? Timestamp { get; init; }
        public Guid? FlowRunId { get; init; }
        public Guid? TaskRunId { get; init; }
    }
}
