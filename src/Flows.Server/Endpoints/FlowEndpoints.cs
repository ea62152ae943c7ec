using Flows.Api.Models;
using Flows.Server.Filtering;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>Flows (Prefect's api/flows.py): upsert, read, update, filter, count, paginate, delete.</summary>
internal static class FlowEndpoints
{
    public static void Map(IEndpointRouteBuilder api, Database db)
    {
        // Upsert by name: 201 when created, 200 with the existing flow otherwise (Prefect's behaviour).
        api.MapPost("/flows/", async (HttpRequest request, CancellationToken ct) =>
        {
            var create = await Body.ReadAsync<FlowCreateBody>(request);
            Body.CheckName(create.Name, "Flow");
            var (flow, created) = await db.WriteAsync(async (c, t) =>
            {
                var existing = await Rows.OneAsync<Flow>(c, t, "SELECT body FROM flows WHERE name = @n", ("n", create.Name));
                if (existing is not null)
                {
                    return (existing, false);
                }

                var now = DateTimeOffset.UtcNow;
                var flow = new Flow { Id = Guid.CreateVersion7(), Created = now, Updated = now, Name = create.Name!, Tags = create.Tags ?? [], Labels = create.Labels ?? new Dictionary<string, System.Text.Json.JsonElement>() };
                await c.ExecuteAsync(t, "INSERT INTO flows (id, name, tags, created, updated, body) VALUES (@id, @n, @tags, @c, @c, @b)",
                    ("id", flow.Id.ToString()), ("n", flow.Name), ("tags", Rows.Tags(flow.Tags)), ("c", Rows.Time(now)), ("b", Rows.Json(flow)));
                return (flow, true);
            }, ct);
            return Body.Json(flow, created ? 201 : 200);
        });

        api.MapGet("/flows/{id}", async (string id, CancellationToken ct) =>
            Body.Json(await Get(db, "id", Body.Id(id).ToString(), ct)));

        api.MapGet("/flows/name/{name}", async (string name, CancellationToken ct) =>
            Body.Json(await Get(db, "name", name, ct)));

        api.MapPost("/flows/filter", async (HttpRequest request, CancellationToken ct) =>
        {
            var filter = await FilterRequest.ReadAsync(request);
            return Body.Json(await FilterAsync(db, filter, filter.Offset, filter.Limit, ct));
        });

        api.MapPost("/flows/count", async (HttpRequest request, CancellationToken ct) =>
            Body.Json(await CountAsync(db, await FilterRequest.ReadAsync(request), ct)));

        api.MapPost("/flows/paginate", async (HttpRequest request, CancellationToken ct) =>
        {
            var filter = await FilterRequest.ReadAsync(request);
            var (page, limit) = (filter.Page, filter.Limit);
            return Body.Json(Pages.Of(await FilterAsync(db, filter, (page - 1L) * limit, limit, ct), await CountAsync(db, filter, ct), page, limit));
        });

        // FlowUpdate: tags and labels, when sent, replace the stored ones.
        api.MapPatch("/flows/{id}", async (string id, HttpRequest request, CancellationToken ct) =>
        {
            var flowId = Body.Id(id).ToString();
            var update = await Body.ReadAsync<FlowCreateBody>(request, allowEmpty: true);
            await db.WriteAsync(async (c, t) =>
            {
                var flow = await Rows.OneAsync<Flow>(c, t, $"SELECT body FROM flows WHERE id = @id{db.ForUpdate}", ("id", flowId)) ?? throw ApiException.NotFound("Flow");
                var now = DateTimeOffset.UtcNow;
                var updated = flow with { Tags = update.Tags ?? flow.Tags, Labels = update.Labels ?? flow.Labels, Updated = now };
                return await c.ExecuteAsync(t, "UPDATE flows SET tags = @tags, updated = @u, body = @b WHERE id = @id",
                    ("tags", Rows.Tags(updated.Tags)), ("u", Rows.Time(now)), ("b", Rows.Json(updated)), ("id", flowId));
            }, ct);
            return Results.NoContent();
        });

        // Prefect deletes the flow with its deployments and runs.
        api.MapDelete("/flows/{id}", async (string id, CancellationToken ct) =>
        {
            var flowId = Body.Id(id).ToString();
            await db.WriteAsync(async (c, t) =>
            {
                if (await c.ExecuteAsync(t, "DELETE FROM flows WHERE id = @id", ("id", flowId)) == 0)
                {
                    throw ApiException.NotFound("Flow");
                }

                await c.ExecuteAsync(t, "DELETE FROM flow_run_states WHERE flow_run_id IN (SELECT id FROM flow_runs WHERE flow_id = @id)", ("id", flowId));
                await c.ExecuteAsync(t, "DELETE FROM flow_runs WHERE flow_id = @id", ("id", flowId));
                return await c.ExecuteAsync(t, "DELETE FROM deployments WHERE flow_id = @id", ("id", flowId));
            }, ct);
            return Results.NoContent();
        });
    }

    internal static Task<List<Flow>> FilterAsync(Database db, FilterRequest filter, long offset, int limit, CancellationToken ct)
    {
        var where = new SqlWhere();
        var clause = FilterQueries.Flows(filter, where, db);
        var order = Sorts[filter.Sort("NAME_ASC", [.. Sorts.Keys])];
        return db.ReadAsync(c => Rows.ManyAsync<Flow>(c, null, $"SELECT f.body FROM flows f{clause} ORDER BY {order}, f.id LIMIT {limit} OFFSET {offset}", where.Parameters), ct);
    }

    internal static async Task<long> CountAsync(Database db, FilterRequest filter, CancellationToken ct)
    {
        var where = new SqlWhere();
        var clause = FilterQueries.Flows(filter, where, db);
        return await db.ReadAsync(c => c.ScalarAsync<long>(null, $"SELECT COUNT(*) FROM flows f{clause}", [.. where.Parameters]), ct);
    }

    // Prefect's FlowSort.
    private static readonly Dictionary<string, string> Sorts = new()
    {
        ["CREATED_DESC"] = "f.created DESC", ["UPDATED_DESC"] = "f.updated DESC", ["NAME_ASC"] = "f.name ASC", ["NAME_DESC"] = "f.name DESC",
    };

    private static async Task<Flow> Get(Database db, string column, string value, CancellationToken ct)
        => await db.ReadAsync(c => Rows.OneAsync<Flow>(c, null, $"SELECT body FROM flows WHERE {column} = @v", ("v", value)), ct)
           ?? throw ApiException.NotFound("Flow");

    /// <summary>FlowCreate with a nullable name, so a missing name is our 422 rather than a parse error.</summary>
    private sealed class FlowCreateBody
    {
        public string? Name { get; init; }
        public IList<string>? Tags { get; init; }
        public IDictionary<string, System.Text.Json.JsonElement>? Labels { get; init; }
    }
}
