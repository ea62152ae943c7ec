using System.Text.Json;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Http;

namespace Flows.Server.Filtering;

/// <summary>
/// The body of a filter, count or paginate request as JSON, with the paging fields checked as Prefect's FastAPI
/// bodies check them (limit 0..200, default 200; offset ≥ 0; page ≥ 1). Top-level keys Prefect's endpoint does not
/// declare are ignored, as FastAPI ignores them; inside filter objects every key is checked (see FilterCompiler).
/// </summary>
internal sealed class FilterRequest
{
    public const int MaxLimit = 200;

    private FilterRequest(JsonElement body) => Body = body;

    public JsonElement Body { get; }

    public static async Task<FilterRequest> ReadAsync(HttpRequest request)
    {
        if (request.ContentLength == 0)
        {
            return new FilterRequest(JsonDocument.Parse("{}").RootElement.Clone());
        }

        JsonElement body;
        try
        {
            body = (await JsonDocument.ParseAsync(request.Body, default, request.HttpContext.RequestAborted).ConfigureAwait(false)).RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw ApiException.Validation(["body"], $"JSON decode error: {ex.Message}", "json_invalid");
        }

        return body.ValueKind switch
        {
            JsonValueKind.Object => new FilterRequest(body),
            // An empty body sent as null is what some clients send for "no filter".
            JsonValueKind.Null => new FilterRequest(JsonDocument.Parse("{}").RootElement.Clone()),
            _ => throw ApiException.Validation(["body"], "Input should be a valid dictionary", "dict_type"),
        };
    }

    /// <summary>The same request with <c>sort</c> set (a route whose default order differs from the filter's).</summary>
    public FilterRequest WithSort(string sort)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(Body.GetRawText())!.AsObject();
        node["sort"] = sort;
        return new FilterRequest(JsonSerializer.SerializeToElement(node));
    }

    public int Limit => Integer("limit", MaxLimit, 0, MaxLimit);

    public int Offset => Integer("offset", 0, 0, int.MaxValue);

    public int Page => Integer("page", 1, 1, int.MaxValue);

    /// <summary>The <c>sort</c> value when it is one of <paramref name="allowed"/>, else <paramref name="fallback"/>; anything else is a 422.</summary>
    public string Sort(string fallback, params string[] allowed)
    {
        if (!Body.TryGetProperty("sort", out var sort) || sort.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        return sort.ValueKind == JsonValueKind.String && allowed.Contains(sort.GetString())
            ? sort.GetString()!
            : throw ApiException.Validation(["body", "sort"], $"Input should be one of {string.Join(", ", allowed)}", "enum");
    }

    /// <summary>A filter object of the body (e.g. <c>flow_runs</c>) as SQL over <paramref name="alias"/>, or null when absent.</summary>
    public string? Section(string name, FilterGroup group, SqlWhere where, Database database, string alias, IReadOnlyCollection<string>? onlineWorkerIds = null)
        => Body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? FilterCompiler.Compile(group, value, new FilterScope(where, database, alias, ["body", name]) { OnlineWorkerIds = onlineWorkerIds })
            : null;

    public bool Has(string name) => Body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    private int Integer(string name, int fallback, int min, int max)
    {
        if (!Body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var n))
        {
            throw ApiException.Validation(["body", name], "Input should be a valid integer", "int_type");
        }

        if (n < min || n > max)
        {
            throw ApiException.Validation(["body", name], max == int.MaxValue ? $"Input should be greater than or equal to {min}" : $"Input should be between {min} and {max}", "value_error");
        }

        return n;
    }
}
