using Flows.Server.Filtering;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>
/// <c>POST /flows|flow_runs|deployments/bulk_delete</c>: deletes up to <c>limit</c> (1..50, Prefect's bulk limit) of the
/// rows the resource's own filter selects and answers their ids (<c>{"deleted": [...]}</c>). As in Prefect, only that
/// one filter is taken; no filter means every row, up to the limit.
/// </summary>
internal static class BulkDeleteEndpoints
{
    private const int BulkLimit = 50;

    public static void Map(IEndpointRouteBuilder api, Database db)
    {
        api.MapPost("/flows/bulk_delete", (HttpRequest request, CancellationToken ct) =>
            DeleteAsync(db, request, "flows", FilterFields.Flow, Deletions.DeleteFlowAsync, ct));
        api.MapPost("/flow_runs/bulk_delete", (HttpRequest request, CancellationToken ct) =>
            DeleteAsync(db, request, "flow_runs", FilterFields.FlowRun, Deletions.DeleteFlowRunAsync, ct));
        api.MapPost("/deployments/bulk_delete", (HttpRequest request, CancellationToken ct) =>
            DeleteAsync(db, request, "deployments", FilterFields.Deployment, Deletions.DeleteDeploymentAsync, ct));
    }

    private static async Task<IResult> DeleteAsync(Database db, HttpRequest request, string table, FilterGroup group,
        Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, string, Task<bool>> delete, CancellationToken ct)
    {
        var filter = await FilterRequest.ReadAsync(request);
        var limit = filter.Body.TryGetProperty("limit", out var l) && l.ValueKind != System.Text.Json.JsonValueKind.Null
            ? (l.ValueKind == System.Text.Json.JsonValueKind.Number && l.TryGetInt32(out var n) && n is >= 1 and <= BulkLimit ? n : throw ApiException.Validation(["body", "limit"], $"Input should be between 1 and {BulkLimit}", "value_error"))
            : BulkLimit;
        var where = new SqlWhere();
        // The body key is the table's name (flows, flow_runs, deployments).
        var condition = filter.Section(table, group, where, db, "x");
        var deleted = await db.WriteAsync(async (c, t) =>
        {
            var ids = await c.StringsAsync(t, $"SELECT x.id FROM {table} x{(condition is null ? string.Empty : " WHERE " + condition)} ORDER BY x.id LIMIT {limit}", where.Parameters);
            var done = new List<Guid>();
            foreach (var id in ids)
            {
                if (await delete(c, t, id))
                {
                    done.Add(Guid.Parse(id));
                }
            }

            return done;
        }, ct);
        return Body.Json(new Dictionary<string, object> { ["deleted"] = deleted });
    }
}
