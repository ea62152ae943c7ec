using System.Text.Json;
using Flows.Api.Models;
using Flows.Server.Filtering;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>Variables (Prefect's api/variables.py): create, read, update and delete by id or name, filter, count.</summary>
internal static class VariableEndpoints
{
    public static void Map(IEndpointRouteBuilder api, Database db)
    {
        api.MapGet("/variables/name/{name}", async (string name, CancellationToken ct) => Body.Json(await ReadAsync(db, "name", name, ct)));

        api.MapGet("/variables/{id}", async (string id, CancellationToken ct) => Body.Json(await ReadAsync(db, "id", Body.Id(id).ToString(), ct)));

        api.MapPatch("/variables/name/{name}", async (string name, HttpRequest request, CancellationToken ct) =>
        {
            await UpdateAsync(db, "name", name, await Body.ReadAsync<VariableUpdateBody>(request, allowEmpty: true), ct);
            return Results.NoContent();
        });

        api.MapPatch("/variables/{id}", async (string id, HttpRequest request, CancellationToken ct) =>
        {
            var variableId = Body.Id(id).ToString();
            await UpdateAsync(db, "id", variableId, await Body.ReadAsync<VariableUpdateBody>(request, allowEmpty: true), ct);
            return Results.NoContent();
        });

        api.MapDelete("/variables/name/{name}", async (string name, CancellationToken ct) =>
        {
            await DeleteAsync(db, "name", name, ct);
            return Results.NoContent();
        });

        api.MapDelete("/variables/{id}", async (string id, CancellationToken ct) =>
        {
            await DeleteAsync(db, "id", Body.Id(id).ToString(), ct);
            return Results.NoContent();
        });

        api.MapPost("/variables/filter", async (HttpRequest request, CancellationToken ct) =>
        {
            var filter = await FilterRequest.ReadAsync(request);
            var where = new SqlWhere();
            var clause = FilterQueries.Variables(filter, where, db);
            var order = Sorts[filter.Sort("NAME_ASC", [.. Sorts.Keys])](db);
            return Body.Json(await db.ReadAsync(c => Rows.ManyAsync<Variable>(c, null,
                $"SELECT v.body FROM variables v{clause} ORDER BY {order}, v.id LIMIT {filter.Limit} OFFSET {filter.Offset}", where.Parameters), ct));
        });

        api.MapPost("/variables/count", async (HttpRequest request, CancellationToken ct) =>
        {
            var filter = await FilterRequest.ReadAsync(request);
            var where = new SqlWhere();
            var clause = FilterQueries.Variables(filter, where, db);
            return Body.Json(await db.ReadAsync(c => c.ScalarAsync<long>(null, $"SELECT COUNT(*) FROM variables v{clause}", [.. where.Parameters]), ct));
        });

        api.MapPost("/variables/", async (HttpRequest request, CancellationToken ct) =>
        {
            var create = await Body.ReadAsync<VariableCreateBody>(request);
            Body.CheckName(create.Name, "Variable");
            CheckLimits(create.Name, create.Value);
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

    // Prefect's VariableSort; created and updated live in the JSON body (fixed-width UTC text, so text order is time order).
    private static readonly Dictionary<string, Func<Database, string>> Sorts = new()
    {
        ["NAME_ASC"] = _ => "v.name ASC", ["NAME_DESC"] = _ => "v.name DESC",
        ["CREATED_DESC"] = db => $"{db.JsonText("v.body", "created")} DESC", ["UPDATED_DESC"] = db => $"{db.JsonText("v.body", "updated")} DESC",
    };

    private static async Task<Variable> ReadAsync(Database db, string column, string value, CancellationToken ct)
        => await db.ReadAsync(c => Rows.OneAsync<Variable>(c, null, $"SELECT body FROM variables WHERE {column} = @v", ("v", value)), ct)
           ?? throw ApiException.NotFound("Variable");

    // VariableUpdate: the fields sent replace the stored ones; a new name must be free.
    private static Task<int> UpdateAsync(Database db, string column, string value, VariableUpdateBody update, CancellationToken ct)
        => db.WriteAsync(async (c, t) =>
        {
            CheckLimits(update.Name, update.Value);
            var v = await Rows.OneAsync<Variable>(c, t, $"SELECT body FROM variables WHERE {column} = @v{db.ForUpdate}", ("v", value))
                ?? throw ApiException.NotFound("Variable");
            if (update.Name is { } name && name != v.Name)
            {
                Body.CheckName(name, "Variable");
                if (await c.ScalarAsync<string>(t, "SELECT id FROM variables WHERE name = @n", ("n", name)) is not null)
                {
                    throw ApiException.Conflict($"A variable named '{name}' already exists.");
                }
            }

            var updated = v with { Name = update.Name ?? v.Name, Value = update.Value ?? v.Value, Tags = update.Tags ?? v.Tags, Updated = DateTimeOffset.UtcNow };
            return await c.ExecuteAsync(t, "UPDATE variables SET name = @n, body = @b WHERE id = @id", ("n", updated.Name), ("b", Rows.Json(updated)), ("id", v.Id.ToString()));
        }, ct);

    // Prefect's limits: a name of at most 255 characters, a value of at most 5,000 characters as JSON.
    private static void CheckLimits(string? name, JsonElement? value)
    {
        Body.CheckLength(name, MaxNameLength, "body", "name");
        if (value is { } v && v.GetRawText().Length > MaxValueLength)
        {
            throw ApiException.Validation(["body", "value"], $"Variable value must be less than {MaxValueLength} characters", "value_error");
        }
    }

    private const int MaxNameLength = 255;

    private const int MaxValueLength = 5_000;

    private static async Task DeleteAsync(Database db, string column, string value, CancellationToken ct)
    {
        if (await db.WriteAsync((c, t) => c.ExecuteAsync(t, $"DELETE FROM variables WHERE {column} = @v", ("v", value)), ct) == 0)
        {
            throw ApiException.NotFound("Variable");
        }
    }

    private sealed class VariableUpdateBody
    {
        public string? Name { get; init; }
        public JsonElement? Value { get; init; }
        public IList<string>? Tags { get; init; }
    }

    private sealed class VariableCreateBody
    {
        public string? Name { get; init; }
        public JsonElement? Value { get; init; }
        public IList<string>? Tags { get; init; }
    }
}
