using System.Text.Json;
using Flows.Api.Models;
using Flows.Server.Filtering;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Json.Schema;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>
/// <c>/api/ui/*</c>: the reads Prefect's web UI makes beside the public API (prefect/server/api/ui/). They are not in the
/// published OpenAPI; their shapes follow Prefect's source (SimpleFlowRun, SimpleNextFlowRun, TaskRunCount,
/// SchemaValuesValidationResponse, CountByState), whose schemas the OpenAPI does carry.
/// </summary>
internal static class UiApiEndpoints
{
    /// <summary>Prefect's max_items for the id lists these routes take.</summary>
    private const int MaxIds = 200;

    private const int MaxHistoryLimit = 1_000;

    /// <summary>Prefect's dashboard splits the task-run window into this many buckets.</summary>
    private const int DashboardBuckets = 20;

    public static void Map(IEndpointRouteBuilder api, Database db)
    {
        // The runs of the dashboard's scatter plot: start (or expected start), duration and lateness in seconds.
        api.MapPost("/ui/flow_runs/history", async (HttpRequest request, CancellationToken ct) =>
        {
            var filter = await FilterRequest.ReadAsync(request);
            var limit = HistoryLimit(filter.Body);
            var sorted = filter.Body.TryGetProperty("sort", out var sort) && sort.ValueKind != JsonValueKind.Null ? filter : filter.WithSort("EXPECTED_START_TIME_DESC");
            var runs = await FlowRunEndpoints.FilterAsync(db, sorted, filter.Offset, limit, ct);
            var now = DateTimeOffset.UtcNow;
            return Body.Json(runs.Select(r => new Dictionary<string, object?>
            {
                ["id"] = r.Id, ["state_type"] = r.StateType, ["timestamp"] = r.StartTime ?? r.ExpectedStartTime ?? r.Created,
                ["duration"] = FlowRunInsightEndpoints.RunTime(r, now).TotalSeconds, ["lateness"] = FlowRunInsightEndpoints.Lateness(r, now).TotalSeconds,
            }).ToList());
        });

        // No task runs are stored: every run counts zero.
        api.MapPost("/ui/flow_runs/count-task-runs", async (HttpRequest request) =>
            Body.Json((await IdsAsync(request, "flow_run_ids")).ToDictionary(id => id, _ => 0)));

        api.MapPost("/ui/flows/count-deployments", async (HttpRequest request, CancellationToken ct) =>
        {
            var ids = await IdsAsync(request, "flow_ids");
            var where = new SqlWhere();
            where.AddIn("flow_id", ids.Select(i => i.ToString()));
            var counts = await db.ReadAsync(c => c.StringsAsync(null, $"SELECT flow_id FROM deployments{where}", where.Parameters), ct);
            return Body.Json(ids.ToDictionary(id => id, id => counts.Count(f => f == id.ToString())));
        });

        // Each flow's scheduled run due first (null when it has none).
        api.MapPost("/ui/flows/next-runs", async (HttpRequest request, CancellationToken ct) =>
        {
            var ids = await IdsAsync(request, "flow_ids");
            var next = new Dictionary<Guid, object?>();
            foreach (var id in ids)
            {
                var run = await db.ReadAsync(c => Rows.OneAsync<FlowRun>(c, null,
                    "SELECT body FROM flow_runs WHERE flow_id = @f AND state_type = 'SCHEDULED' ORDER BY next_scheduled_start_time ASC LIMIT 1", ("f", id.ToString())), ct);
                next[id] = run is null ? null : new Dictionary<string, object?>
                {
                    ["id"] = run.Id, ["flow_id"] = run.FlowId, ["name"] = run.Name, ["state_name"] = run.StateName, ["state_type"] = run.StateType,
                    ["next_scheduled_start_time"] = run.NextScheduledStartTime,
                };
            }

            return Body.Json(next);
        });

        api.MapPost("/ui/schemas/validate", async (HttpRequest request) =>
        {
            var body = await Body.ReadAsync<Dictionary<string, JsonElement>>(request);
            if (!body.TryGetValue("schema", out var schema) || schema.ValueKind != JsonValueKind.Object)
            {
                throw ApiException.Validation(["body", "schema"], "Field required: a JSON object", "missing");
            }

            if (!body.TryGetValue("values", out var values) || values.ValueKind != JsonValueKind.Object)
            {
                throw ApiException.Validation(["body", "values"], "Field required: a JSON object", "missing");
            }

            return Body.Json(Validate(schema, values));
        });

        // Task runs: none stored. The dashboard's counts still check the window it needs, as Prefect does.
        api.MapPost("/ui/task_runs/dashboard/counts", async (HttpRequest request, CancellationToken ct) =>
        {
            var filter = await FilterRequest.ReadAsync(request);
            FilterQueries.TaskRuns(filter, new SqlWhere(), db);
            if (!filter.Body.TryGetProperty("task_runs", out var taskRuns) || taskRuns.ValueKind != JsonValueKind.Object
                || !taskRuns.TryGetProperty("start_time", out var startTime) || startTime.ValueKind != JsonValueKind.Object
                || !startTime.TryGetProperty("after_", out var after) || after.ValueKind == JsonValueKind.Null)
            {
                throw ApiException.Validation(["body", "task_runs", "start_time", "after_"], "task_runs.start_time.after_ is required", "missing");
            }

            return Body.Json(Enumerable.Range(0, DashboardBuckets).Select(_ => new Dictionary<string, int> { ["completed"] = 0, ["failed"] = 0 }).ToList());
        });

        api.MapPost("/ui/task_runs/count", async (HttpRequest request, CancellationToken ct) =>
        {
            var filter = await FilterRequest.ReadAsync(request);
            FilterQueries.FlowRuns(filter, new SqlWhere(), db);
            return Body.Json(Enum.GetValues<StateType>().ToDictionary(t => JsonNamingPolicy.SnakeCaseUpper.ConvertName(t.ToString()), _ => 0));
        });

        api.MapGet("/ui/task_runs/{id}", (string id) =>
        {
            Body.Id(id);
            throw new ApiException(System.Net.HttpStatusCode.NotFound, "Task not found");
        });
    }

    private static int HistoryLimit(JsonElement body)
    {
        if (!body.TryGetProperty("limit", out var limit) || limit.ValueKind == JsonValueKind.Null)
        {
            return MaxHistoryLimit;
        }

        return limit.ValueKind == JsonValueKind.Number && limit.TryGetInt32(out var n) && n is >= 0 and <= MaxHistoryLimit
            ? n
            : throw ApiException.Validation(["body", "limit"], $"Input should be between 0 and {MaxHistoryLimit}", "value_error");
    }

    private static async Task<List<Guid>> IdsAsync(HttpRequest request, string field)
    {
        var body = await Body.ReadAsync<Dictionary<string, JsonElement>>(request);
        if (!body.TryGetValue(field, out var list) || list.ValueKind != JsonValueKind.Array)
        {
            throw ApiException.Validation(["body", field], "Field required: a list of UUIDs", "missing");
        }

        if (list.GetArrayLength() > MaxIds)
        {
            throw ApiException.Validation(["body", field], $"List should have at most {MaxIds} items", "too_long");
        }

        return list.EnumerateArray()
            .Select(e => e.ValueKind == JsonValueKind.String && Guid.TryParse(e.GetString(), out var id) ? id : throw ApiException.Validation(["body", field], "Input should be a valid UUID", "uuid_parsing"))
            .Distinct().ToList();
    }

    /// <summary>Prefect's answer: valid, and the errors per property (<c>{property, errors}</c>) or at the root (a message).</summary>
    internal static Dictionary<string, object> Validate(JsonElement schema, JsonElement values)
    {
        JsonSchema built;
        try
        {
            built = JsonSchema.Build(schema, new BuildOptions { Dialect = Dialect.Draft07 }, new Uri($"urn:flows:ui-validate:{Guid.NewGuid()}"));
        }
        catch (Exception ex) when (ex is JsonSchemaException or JsonException or ArgumentException or InvalidOperationException)
        {
            throw ApiException.Invalid($"Invalid schema: {ex.Message}");
        }

        EvaluationResults result;
        try
        {
            result = built.Evaluate(values, new EvaluationOptions { OutputFormat = OutputFormat.List });
        }
        catch (Exception ex) when (ex is RefResolutionException or JsonSchemaException or InvalidOperationException or ArgumentException)
        {
            // An unresolvable $ref (this server fetches no remote schemas) or a schema that cannot be evaluated.
            throw ApiException.Invalid($"Invalid schema: {ex.Message}");
        }
        var errors = new List<object>();
        if (!result.IsValid)
        {
            foreach (var group in (result.Details ?? []).Append(result).Where(d => d.Errors is { Count: > 0 })
                         .GroupBy(d => d.InstanceLocation.ToString().TrimStart('/').Split('/')[0]))
            {
                var messages = group.SelectMany(d => d.Errors!.Values).Distinct().ToList();
                if (group.Key.Length == 0)
                {
                    errors.AddRange(messages);
                }
                else
                {
                    errors.Add(new Dictionary<string, object> { ["property"] = group.Key, ["errors"] = messages });
                }
            }
        }

        return new Dictionary<string, object> { ["errors"] = errors, ["valid"] = result.IsValid };
    }
}
