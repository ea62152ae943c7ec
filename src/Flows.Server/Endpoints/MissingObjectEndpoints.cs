using System.Net;
using Flows.Server.Filtering;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>
/// Prefect's routes for objects this server never stores: task runs, events (but flow-run heartbeats, EventEndpoints), automations, blocks, concurrency limits,
/// artifacts, saved searches, flow run inputs. Each route exists, so clients and Prefect's UI get Prefect-shaped answers:
/// reads (filter, count, paginate, history, related-to) answer empty, valid results after checking their body; a read of
/// one object answers 404 for that object (none exists); writes answer 400 saying what this server does not store.
/// Nothing here is a 500 or a 404 for a missing route.
/// </summary>
internal static class MissingObjectEndpoints
{
    public static void Map(IEndpointRouteBuilder api, Database db)
    {
        MapTaskRuns(api, db);
        MapEvents(api);
        MapAutomations(api);
        MapBlocks(api);
        MapConcurrencyLimits(api);
        MapArtifacts(api);
        MapSavedSearches(api);
        MapFlowRunInputs(api);
    }

    private static void MapTaskRuns(IEndpointRouteBuilder api, Database db)
    {
        const string What = "task runs (flows run as whole jobs; their steps are not recorded as task runs)";
        Write(api, "POST", "/task_runs/", What);
        NotFound(api, "GET", "/task_runs/{id}", "Task run");
        NotFound(api, "PATCH", "/task_runs/{id}", "Task run");
        NotFound(api, "DELETE", "/task_runs/{id}", "Task run");
        NotFound(api, "POST", "/task_runs/{id}/set_state", "Task run");
        NotFound(api, "GET", "/task_run_states/{id}", "Task run state");
        api.MapPost("/task_runs/filter", async (HttpRequest request) =>
        {
            CheckRunFilters(await FilterRequest.ReadAsync(request), db);
            return Body.Json(Array.Empty<object>());
        });
        api.MapPost("/task_runs/count", async (HttpRequest request) =>
        {
            CheckRunFilters(await FilterRequest.ReadAsync(request), db);
            return Body.Json(0);
        });
        api.MapPost("/task_runs/paginate", async (HttpRequest request) =>
        {
            var filter = await FilterRequest.ReadAsync(request);
            CheckRunFilters(filter, db);
            return Body.Json(Pages.Of(Array.Empty<object>(), 0, filter.Page, filter.Limit));
        });
        api.MapPost("/task_runs/history", async (HttpRequest request) => Body.Json(await EmptyHistoryAsync(request)));
        api.MapGet("/task_run_states/", (HttpRequest request) =>
        {
            Body.Id(request.Query["task_run_id"].ToString());
            return Body.Json(Array.Empty<object>());
        });
        api.MapPost("/task_workers/filter", async (HttpRequest request) =>
        {
            await ObjectBodyAsync(request);
            return Body.Json(Array.Empty<object>());
        });
    }

    private static void MapEvents(IEndpointRouteBuilder api)
    {
        // POST /events is EventEndpoints: heartbeats are kept, other events accepted and dropped.
        api.MapPost("/events/filter", async (HttpRequest request) =>
        {
            await ObjectBodyAsync(request);
            return Body.Json(new Dictionary<string, object?> { ["events"] = Array.Empty<object>(), ["total"] = 0, ["next_page"] = null });
        });
        // No page of events was ever handed out, so no token is valid.
        api.MapGet("/events/filter/next", () => { throw ApiException.Invalid("Invalid page token: this server stores no events."); });
        api.MapPost("/events/count-by/{countable}", async (string countable, HttpRequest request) =>
        {
            if (countable is not ("day" or "time" or "event" or "resource"))
            {
                throw ApiException.Validation(["path", "countable"], "Input should be 'day', 'time', 'event' or 'resource'", "enum");
            }

            await ObjectBodyAsync(request);
            return Body.Json(Array.Empty<object>());
        });
    }

    private static void MapAutomations(IEndpointRouteBuilder api)
    {
        const string What = "automations";
        Write(api, "POST", "/automations/", What);
        NotFound(api, "GET", "/automations/{id}", "Automation");
        NotFound(api, "PUT", "/automations/{id}", "Automation");
        NotFound(api, "PATCH", "/automations/{id}", "Automation");
        NotFound(api, "DELETE", "/automations/{id}", "Automation");
        EmptyList(api, "/automations/filter");
        Zero(api, "/automations/count");
        api.MapGet("/automations/related-to/{resourceId}", (string resourceId) => Body.Json(Array.Empty<object>()));
        // Deleting the automations a resource owns: there are none, which Prefect answers with 202 too.
        api.MapDelete("/automations/owned-by/{resourceId}", (string resourceId) => Results.StatusCode((int)HttpStatusCode.Accepted));
        Write(api, "POST", "/templates/validate", "automation templates");
        Write(api, "POST", "/automations/templates/validate", "automation templates");
    }

    private static void MapBlocks(IEndpointRouteBuilder api)
    {
        const string What = "blocks (credentials and settings come from job variables and the worker's environment)";
        Write(api, "POST", "/block_types/", What);
        NotFound(api, "GET", "/block_types/{id}", "Block type");
        NotFound(api, "PATCH", "/block_types/{id}", "Block type");
        NotFound(api, "DELETE", "/block_types/{id}", "Block type");
        // The types the shipped base job templates refer to are known (Prefect's UI draws their variables' pickers).
        api.MapGet("/block_types/slug/{slug}", (string slug) => WorkPools.TemplateBlockTypes.Find(slug) is { } type ? Body.Json(type) : throw ApiException.NotFound("Block type"));
        api.MapGet("/block_types/slug/{slug}/block_documents", (string slug) => Body.Json(Array.Empty<object>()));
        NotFound(api, "GET", "/block_types/slug/{slug}/block_documents/name/{name}", "Block document");
        Write(api, "POST", "/block_types/install_system_block_types", What);
        EmptyList(api, "/block_types/filter");
        Write(api, "POST", "/block_documents/", What);
        EmptyList(api, "/block_documents/filter");
        Zero(api, "/block_documents/count");
        NotFound(api, "GET", "/block_documents/{id}", "Block document");
        NotFound(api, "PATCH", "/block_documents/{id}", "Block document");
        NotFound(api, "DELETE", "/block_documents/{id}", "Block document");
        Write(api, "POST", "/block_schemas/", What);
        EmptyList(api, "/block_schemas/filter");
        NotFound(api, "GET", "/block_schemas/{id}", "Block schema");
        NotFound(api, "DELETE", "/block_schemas/{id}", "Block schema");
        NotFound(api, "GET", "/block_schemas/checksum/{checksum}", "Block schema");
        api.MapGet("/block_capabilities/", () => Body.Json(Array.Empty<string>()));
    }

    private static void MapConcurrencyLimits(IEndpointRouteBuilder api)
    {
        const string What = "concurrency limits (use the deployment's or work pool's concurrency_limit)";
        Write(api, "POST", "/concurrency_limits/", What);
        NotFound(api, "GET", "/concurrency_limits/{id}", "Concurrency limit");
        NotFound(api, "DELETE", "/concurrency_limits/{id}", "Concurrency limit");
        NotFound(api, "GET", "/concurrency_limits/tag/{tag}", "Concurrency limit");
        NotFound(api, "DELETE", "/concurrency_limits/tag/{tag}", "Concurrency limit");
        NotFound(api, "POST", "/concurrency_limits/tag/{tag}/reset", "Concurrency limit");
        EmptyList(api, "/concurrency_limits/filter");
        // Taking or releasing slots of limits that do not exist takes nothing: Prefect answers the (empty) list of limits touched.
        EmptyList(api, "/concurrency_limits/increment");
        EmptyList(api, "/concurrency_limits/decrement");
        Write(api, "POST", "/v2/concurrency_limits/", What);
        NotFound(api, "GET", "/v2/concurrency_limits/{idOrName}", "Concurrency limit");
        NotFound(api, "PATCH", "/v2/concurrency_limits/{idOrName}", "Concurrency limit");
        NotFound(api, "DELETE", "/v2/concurrency_limits/{idOrName}", "Concurrency limit");
        EmptyList(api, "/v2/concurrency_limits/filter");
        EmptyList(api, "/v2/concurrency_limits/increment");
        EmptyList(api, "/v2/concurrency_limits/decrement");
        Write(api, "POST", "/v2/concurrency_limits/increment-with-lease", What);
        Write(api, "POST", "/v2/concurrency_limits/decrement-with-lease", What);
        NotFound(api, "POST", "/v2/concurrency_limits/leases/{leaseId}/renew", "Lease");
    }

    private static void MapArtifacts(IEndpointRouteBuilder api)
    {
        const string What = "artifacts";
        Write(api, "POST", "/artifacts/", What);
        NotFound(api, "GET", "/artifacts/{id}", "Artifact");
        NotFound(api, "PATCH", "/artifacts/{id}", "Artifact");
        NotFound(api, "DELETE", "/artifacts/{id}", "Artifact");
        NotFound(api, "GET", "/artifacts/{key}/latest", "Artifact");
        EmptyList(api, "/artifacts/filter");
        EmptyList(api, "/artifacts/latest/filter");
        Zero(api, "/artifacts/count");
        Zero(api, "/artifacts/latest/count");
    }

    private static void MapSavedSearches(IEndpointRouteBuilder api)
    {
        Write(api, "PUT", "/saved_searches/", "saved searches");
        NotFound(api, "GET", "/saved_searches/{id}", "Saved search");
        NotFound(api, "DELETE", "/saved_searches/{id}", "Saved search");
        EmptyList(api, "/saved_searches/filter");
    }

    private static void MapFlowRunInputs(IEndpointRouteBuilder api)
    {
        Write(api, "POST", "/flow_runs/{id}/input", "flow run inputs");
        EmptyList(api, "/flow_runs/{id}/input/filter");
        NotFound(api, "GET", "/flow_runs/{id}/input/{key}", "Flow run input");
        NotFound(api, "DELETE", "/flow_runs/{id}/input/{key}", "Flow run input");
    }

    private static void Write(IEndpointRouteBuilder api, string method, string pattern, string what)
        => api.MapMethods(pattern, [method], () =>
        {
            throw new ApiException(HttpStatusCode.BadRequest, $"This server does not store {what}: {method} {pattern} is not supported.");
        });

    private static void NotFound(IEndpointRouteBuilder api, string method, string pattern, string what)
        => api.MapMethods(pattern, [method], () =>
        {
            throw ApiException.NotFound(what);
        });

    private static void EmptyList(IEndpointRouteBuilder api, string pattern)
        => api.MapPost(pattern, async (HttpRequest request) =>
        {
            // An id in the path is checked as Prefect's typed path parameters are (a bad UUID is a 422).
            if (request.RouteValues.TryGetValue("id", out var id))
            {
                Body.Id(id?.ToString() ?? string.Empty);
            }

            await ObjectBodyAsync(request);
            return Body.Json(Array.Empty<object>());
        });

    private static void Zero(IEndpointRouteBuilder api, string pattern)
        => api.MapPost(pattern, async (HttpRequest request) =>
        {
            await ObjectBodyAsync(request);
            return Body.Json(0);
        });

    /// <summary>Any filter body must still be a JSON object with valid paging (a 422 otherwise, as Prefect).</summary>
    private static async Task ObjectBodyAsync(HttpRequest request)
    {
        var filter = await FilterRequest.ReadAsync(request);
        _ = (filter.Limit, filter.Offset);
    }

    // The task-run routes take the run filters too: check them field by field as the flow-run routes do.
    private static void CheckRunFilters(FilterRequest filter, Database db)
    {
        _ = (filter.Limit, filter.Offset);
        FilterQueries.FlowRuns(filter, new SqlWhere(), db);
    }

    /// <summary>Prefect's history shape with every interval empty (the interval rules as for flow runs).</summary>
    private static async Task<List<Dictionary<string, object>>> EmptyHistoryAsync(HttpRequest request)
    {
        var filter = await FilterRequest.ReadAsync(request);
        var (start, end, interval) = FlowRunInsightEndpoints.HistoryWindow(filter.Body);
        var history = new List<Dictionary<string, object>>();
        for (var from = start; from < end; from += interval)
        {
            history.Add(new Dictionary<string, object> { ["interval_start"] = from, ["interval_end"] = from + interval, ["states"] = Array.Empty<object>() });
        }

        return history;
    }
}
