using Flows.Api.Models;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

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
            var filter = await Body.ReadAsync<FlowFilterRequest>(request, allowEmpty: true);
            var where = new SqlWhere();
            where.AddFlowFilter(filter.Flows, "");
            var order = filter.Sort switch { "NAME_DESC" => "name DESC", "CREATED_DESC" => "created DESC", "UPDATED_DESC" => "updated DESC", _ => "name ASC" };
            var flows = await db.ReadAsync(c => Rows.ManyAsync<Flow>(c, null,
                $"SELECT body FROM flows{where} ORDER BY {order} LIMIT {Body.Limit(filter.Limit)} OFFSET {Math.Max(0, filter.Offset ?? 0)}", where.Parameters), ct);
            return Body.Json(flows);
        });
    }

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
