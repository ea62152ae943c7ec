using System.Text.Json;
using Flows.Api.Models;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>Variables (Prefect's api/variables.py).</summary>
internal static class VariableEndpoints
{
    public static void Map(IEndpointRouteBuilder api, Database db)
    {
        api.MapGet("/variables/name/{name}", async (string name, CancellationToken ct) =>
            Body.Json(await db.ReadAsync(c => Rows.OneAsync<Variable>(c, null, "SELECT body FROM variables WHERE name = @n", ("n", name)), ct)
                ?? throw ApiException.NotFound("Variable")));

        api.MapPost("/variables/", async (HttpRequest request, CancellationToken ct) =>
        {
            var create = await Body.ReadAsync<VariableCreateBody>(request);
            Body.CheckName(create.Name, "Variable");
            var variable = await db.WriteAsync(async (c, t) =>
            {
                if (await c.ScalarAsync<string>(t, "SELECT id FROM variables WHERE name = @n", ("n", create.Name)) is not null)
                {
                    throw ApiException.Conflict($"A variable named '{create.Name}' already exists.");
                }

                var now = DateTimeOffset.UtcNow;
                var v = new Variable { Id = Guid.CreateVersion7(), Created = now, Updated = now, Name = create.Name!, Value = create.Value ?? JsonDocument.Parse("null").RootElement.Clone(), Tags = create.Tags ?? [] };
                await c.ExecuteAsync(t, "INSERT INTO variables (id, name, body) VALUES (@id, @n, @b)", ("id", v.Id.ToString()), ("n", v.Name), ("b", Rows.Json(v)));
                return v;
            }, ct);
            return Body.Json(variable, 201);
        });
    }

    private sealed class VariableCreateBody
    {
        public string? Name { get; init; }
        public JsonElement? Value { get; init; }
        public IList<string>? Tags { get; init; }
    }
}
