using Flows.Api.Models;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary><c>GET /flow_run_states/?flow_run_id=</c>: a run's state history, oldest first, as Prefect serves it; and one state by id.</summary>
internal static class FlowRunStateEndpoints
{
    public static void Map(IEndpointRouteBuilder api, Database db)
    {
        api.MapGet("/flow_run_states/", async (HttpRequest request, CancellationToken ct) =>
        {
            var runId = Body.Id(request.Query["flow_run_id"].ToString());
            var states = await db.ReadAsync(c => Rows.ManyAsync<State>(c, null,
                "SELECT body FROM flow_run_states WHERE flow_run_id = @r ORDER BY timestamp ASC", [("r", (object?)runId.ToString())]), ct);
            return Body.Json(states);
        });

        api.MapGet("/flow_run_states/{id}", async (string id, CancellationToken ct) =>
            Body.Json(await db.ReadAsync(c => Rows.OneAsync<State>(c, null, "SELECT body FROM flow_run_states WHERE id = @id", ("id", Body.Id(id).ToString())), ct)
                ?? throw ApiException.NotFound("Flow run state")));
    }
}
