using System.Text.Json;
using Flows.Api.Models;
using Flows.Server.Filtering;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>
/// Aggregate reads over flow runs that Prefect's dashboards make (api/flow_runs.py, api/run_history.py): average lateness,
/// run history by interval and state, and a run's graph (no task runs here, so only its states).
/// </summary>
internal static class FlowRunInsightEndpoints
{
    /// <summary>More intervals than this in one history request is a 422 (a hostile or mistaken interval).</summary>
    private const int MaxHistoryIntervals = 1_000;

    public static void Map(IEndpointRouteBuilder api, Database db)
    {
        // Prefect's average of estimated_start_time_delta over the matching runs, in seconds (null when none match).
        api.MapPost("/flow_runs/lateness", async (HttpRequest request, CancellationToken ct) =>
        {
            var filter = await FilterRequest.ReadAsync(request);
            var runs = await TimingsAsync(db, filter, "work_pool_queues", null, ct);
            var now = DateTimeOffset.UtcNow;
            return Body.Json(runs.Count == 0 ? (double?)null : runs.Average(r => Lateness(r, now).TotalSeconds));
        });

        api.MapPost("/flow_runs/history", async (HttpRequest request, CancellationToken ct) =>
        {
            var filter = await FilterRequest.ReadAsync(request);
            var (start, end, interval) = HistoryWindow(filter.Body);
            var runs = await TimingsAsync(db, filter, "work_queues", (start, end), ct);
            var now = DateTimeOffset.UtcNow;
            var history = new List<Dictionary<string, object>>();
            for (var from = start; from < end; from += interval)
            {
                var to = from + interval;
                var states = runs.Where(r => r.ExpectedStartTime >= from && r.ExpectedStartTime < to)
                    .GroupBy(r => (Type: r.StateType ?? StateType.Pending, Name: r.StateName ?? string.Empty))
                    .Select(g => new Dictionary<string, object>
                    {
                        ["state_type"] = g.Key.Type, ["state_name"] = g.Key.Name, ["count_runs"] = g.Count(),
                        ["sum_estimated_run_time"] = g.Sum(r => RunTime(r, now).TotalSeconds),
                        ["sum_estimated_lateness"] = g.Sum(r => Lateness(r, now).TotalSeconds),
                    }).ToList();
                history.Add(new Dictionary<string, object> { ["interval_start"] = from, ["interval_end"] = to, ["states"] = states });
            }

            return Body.Json(history);
        });

        // The older graph (a list of task-run dependencies): empty, as this server stores no task runs.
        api.MapGet("/flow_runs/{id}/graph", async (string id, CancellationToken ct) =>
        {
            await FlowRunEndpoints.ReadAsync(db, Body.Id(id), ct);
            return Body.Json(Array.Empty<object>());
        });

        api.MapGet("/flow_runs/{id}/graph-v2", async (string id, CancellationToken ct) =>
        {
            var run = await FlowRunEndpoints.ReadAsync(db, Body.Id(id), ct);
            var states = await db.ReadAsync(c => Rows.ManyAsync<State>(c, null,
                "SELECT body FROM flow_run_states WHERE flow_run_id = @r ORDER BY timestamp ASC", [("r", (object?)run.Id.ToString())]), ct);
            return Body.Json(new Dictionary<string, object?>
            {
                ["start_time"] = run.StartTime ?? run.ExpectedStartTime,
                ["end_time"] = run.EndTime,
                ["root_node_ids"] = Array.Empty<string>(),
                ["nodes"] = Array.Empty<object>(),
                ["artifacts"] = Array.Empty<object>(),
                ["states"] = states.Select(s => new Dictionary<string, object?> { ["id"] = s.Id, ["timestamp"] = s.Timestamp, ["type"] = s.Type, ["name"] = s.Name }).ToList(),
            });
        });
    }

    /// <summary>How late a run started (or, not started yet and past due, is): Prefect's estimated_start_time_delta.</summary>
    internal static TimeSpan Lateness(FlowRun run, DateTimeOffset now)
    {
        if (run.ExpectedStartTime is not { } expected)
        {
            return TimeSpan.Zero;
        }

        if (run.StartTime is { } started)
        {
            return started > expected ? started - expected : TimeSpan.Zero;
        }

        return expected < now && run.StateType?.IsTerminal() != true ? now - expected : TimeSpan.Zero;
    }

    /// <summary>Run time so far: the stored total, plus the time since start while the run is running.</summary>
    internal static TimeSpan RunTime(FlowRun run, DateTimeOffset now)
        => TimeSpan.FromSeconds(run.TotalRunTime) + (run.StateType == StateType.Running && run.StartTime is { } s && run.TotalRunTime == 0 ? now - s : TimeSpan.Zero);

    private static async Task<List<FlowRun>> TimingsAsync(Database db, FilterRequest filter, string queueSection, (DateTimeOffset Start, DateTimeOffset End)? window, CancellationToken ct)
    {
        var where = new SqlWhere();
        var clause = FilterQueries.FlowRuns(filter, where, db, queueSection);
        if (window is var (start, end))
        {
            clause += (clause.Length == 0 ? " WHERE " : " AND ")
                + $"fr.expected_start_time >= {where.Param(Rows.Time(start))} AND fr.expected_start_time < {where.Param(Rows.Time(end))}";
        }

        return await db.ReadAsync(c => Rows.ManyAsync<FlowRun>(c, null, $"SELECT fr.body FROM flow_runs fr{clause}", where.Parameters), ct);
    }

    /// <summary>history_start, history_end and history_interval_seconds, checked as Prefect checks them (plus a cap on intervals).</summary>
    internal static (DateTimeOffset Start, DateTimeOffset End, TimeSpan Interval) HistoryWindow(JsonElement body)
    {
        var start = RequiredTime(body, "history_start");
        var end = RequiredTime(body, "history_end");
        var interval = body.TryGetProperty("history_interval_seconds", out var i) && i.ValueKind == JsonValueKind.Number
            ? TimeSpan.FromSeconds(Math.Min(i.GetDouble(), TimeSpan.MaxValue.TotalSeconds / 2))
            : throw ApiException.Validation(["body", "history_interval_seconds"], "Field required", "missing");
        if (interval < TimeSpan.FromSeconds(1))
        {
            throw ApiException.Validation(["body", "history_interval_seconds"], "History interval must not be less than 1 second.");
        }

        if (end > start && ((end - start) / interval > MaxHistoryIntervals || DateTimeOffset.MaxValue - end < interval))
        {
            throw ApiException.Validation(["body", "history_interval_seconds"], $"At most {MaxHistoryIntervals} intervals per request.");
        }

        return (start, end, interval);
    }

    private static DateTimeOffset RequiredTime(JsonElement body, string name)
        => body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw ApiException.Validation(["body", name], "Field required: a date-time", "missing");
}
