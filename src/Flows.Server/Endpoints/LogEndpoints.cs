using Flows.Api.Models;
using Flows.Server.Filtering;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>Writing and reading logs (Prefect's api/logs.py).</summary>
internal static class LogEndpoints
{
    /// <summary>Longest log message kept (Prefect's client drops longer ones: PREFECT_LOGGING_TO_API_MAX_LOG_SIZE).</summary>
    public const int MaxMessageLength = 1_000_000;

    /// <summary>The warning line stored once when a run reaches its quota.</summary>
    internal const string QuotaReachedMessage = "This flow run reached the server's log quota (FLOWS_LOG_MAX_PER_RUN = {0} lines): later lines are dropped.";

    public static void Map(IEndpointRouteBuilder api, Database db, FlowsServerOptions options)
    {
        api.MapPost("/logs/", async (HttpRequest request, CancellationToken ct) =>
        {
            var logs = await Body.ReadListAsync<LogCreateBody>(request);
            if (logs.Count > options.MaxLogBatchEntries)
            {
                throw new ApiException(System.Net.HttpStatusCode.RequestEntityTooLarge, $"A log batch holds at most {options.MaxLogBatchEntries} entries; got {logs.Count}.");
            }

            long bytes = 0;
            for (var i = 0; i < logs.Count; i++)
            {
                var l = logs[i];
                if (l is null || l.Name is null || l.Level is null || l.Message is null || l.Timestamp is null)
                {
                    throw ApiException.Invalid($"Log entry {i} needs name, level, message and timestamp.");
                }

                Body.CheckLength(l.Name, Body.MaxNameLength, "body", i.ToString(System.Globalization.CultureInfo.InvariantCulture), "name");
                Body.CheckLength(l.Message, MaxMessageLength, "body", i.ToString(System.Globalization.CultureInfo.InvariantCulture), "message");
                bytes += System.Text.Encoding.UTF8.GetByteCount(l.Message) + l.Name.Length;
            }

            if (bytes > options.MaxLogBatchBytes)
            {
                throw new ApiException(System.Net.HttpStatusCode.RequestEntityTooLarge, $"A log batch holds at most {options.MaxLogBatchBytes} bytes of messages; got {bytes}. Send smaller batches.");
            }

            await db.WriteAsync(async (c, t) =>
            {
                var now = DateTimeOffset.UtcNow;
                // Lines kept per run so far: a run past its quota keeps what it has (the batch is still answered 201, so
                // its runner does not resend it forever), and one warning line says why the rest is missing.
                var kept = new Dictionary<Guid, long>();
                foreach (var l in logs)
                {
                    if (l.FlowRunId is { } runId)
                    {
                        if (!kept.TryGetValue(runId, out var count))
                        {
                            count = await c.ScalarAsync<long>(t, "SELECT COUNT(*) FROM logs WHERE flow_run_id = @r", ("r", runId.ToString()));
                        }

                        if (count >= options.MaxLogsPerRun)
                        {
                            if (count == options.MaxLogsPerRun)
                            {
                                var message = string.Format(System.Globalization.CultureInfo.InvariantCulture, QuotaReachedMessage, options.MaxLogsPerRun);
                                await InsertAsync(c, t, new LogCreateBody { Name = "flows.server", Level = 30, Message = message, Timestamp = now, FlowRunId = runId }, now);
                            }

                            kept[runId] = count + 1;
                            continue;
                        }

                        kept[runId] = count + await InsertAsync(c, t, l, now);
                        continue;
                    }

                    await InsertAsync(c, t, l, now);
                }

                return 0;
            }, ct);
            return Results.StatusCode(201);
        });

        api.MapGet("/flow_runs/{id}/logs/download", (string id, HttpContext context) => DownloadAsync(db, context, id));

        api.MapPost("/logs/filter", async (HttpRequest request, CancellationToken ct) =>
        {
            var filter = await FilterRequest.ReadAsync(request);
            var where = new SqlWhere();
            var clause = FilterQueries.Logs(filter, where, db);
            var order = filter.Sort("TIMESTAMP_ASC", "TIMESTAMP_ASC", "TIMESTAMP_DESC") == "TIMESTAMP_DESC" ? "l.timestamp DESC, l.id DESC" : "l.timestamp ASC, l.id ASC";
            var logs = await db.ReadAsync(c => Rows.ManyAsync<Log>(c, null,
                $"SELECT l.body FROM logs l{clause} ORDER BY {order} LIMIT {filter.Limit} OFFSET {filter.Offset}", where.Parameters), ct);
            return Body.Json(logs);
        });
    }

    /// <summary>
    /// GET /flow_runs/{id}/logs/download: the run's logs as CSV (timestamp, level, flow_run_id, task_run_id, message), oldest
    /// first, written page by page so a long log never sits in memory whole.
    /// </summary>
    internal static async Task DownloadAsync(Database db, HttpContext context, string id)
    {
        var run = await FlowRunEndpoints.ReadAsync(db, Body.Id(id), context.RequestAborted);
        var response = context.Response;
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename*=UTF-8''{Uri.EscapeDataString((run.Name ?? run.Id.ToString()) + "-logs.csv")}";
        await response.WriteAsync("timestamp,level,flow_run_id,task_run_id,message\r\n", context.RequestAborted);
        var (after, afterId) = (string.Empty, string.Empty);
        while (true)
        {
            var page = await db.ReadAsync(c => Rows.ManyAsync<Log>(c, null,
                $"SELECT body FROM logs WHERE flow_run_id = @r AND (timestamp > @t OR (timestamp = @t AND id > @i)) ORDER BY timestamp, id LIMIT {DownloadPage}",
                [("r", run.Id.ToString()), ("t", after), ("i", afterId)]), context.RequestAborted);
            if (page.Count == 0)
            {
                return;
            }

            var text = new System.Text.StringBuilder();
            foreach (var log in page)
            {
                text.Append(Csv(Rows.Time(log.Timestamp))).Append(',').Append(log.Level).Append(',').Append(log.FlowRunId).Append(',')
                    .Append(log.TaskRunId).Append(',').Append(Csv(log.Message)).Append("\r\n");
            }

            await response.WriteAsync(text.ToString(), context.RequestAborted);
            (after, afterId) = (Rows.Time(page[^1].Timestamp), page[^1].Id.ToString());
        }
    }

    private const int DownloadPage = 1_000;

    // A content-derived id makes a repeated batch (its first answer lost) store nothing twice; answers the rows stored.
    private static Task<int> InsertAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction t, LogCreateBody l, DateTimeOffset now)
    {
        var id = LogIds.For(l.FlowRunId, l.TaskRunId, l.Name!, l.Level!.Value, l.Timestamp!.Value, l.Message!);
        var log = new Log { Id = id, Created = now, Updated = now, Name = l.Name!, Level = l.Level!.Value, Message = l.Message!, Timestamp = l.Timestamp!.Value, FlowRunId = l.FlowRunId, TaskRunId = l.TaskRunId };
        return c.ExecuteAsync(t, "INSERT INTO logs (id, flow_run_id, task_run_id, level, timestamp, message, body) VALUES (@id, @r, @tr, @l, @ts, @m, @b) ON CONFLICT (id) DO NOTHING",
            ("id", log.Id.ToString()), ("r", log.FlowRunId?.ToString()), ("tr", log.TaskRunId?.ToString()), ("l", log.Level),
            ("ts", Rows.Time(log.Timestamp)), ("m", log.Message), ("b", Rows.Json(log)));
    }

    // RFC 4180: quote a field holding a comma, quote or line break, doubling the quotes.
    private static string Csv(string value)
        => value.IndexOfAny([',', '"', '\r', '\n']) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";

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
