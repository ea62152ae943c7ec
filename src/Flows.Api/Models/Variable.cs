using System.Text.Json;

namespace Flows.Api.Models;

/// <summary>A variable (<c>GET /variables/name/{name}</c>); its value is any JSON.</summary>
public sealed record Variable
{
    public required Guid Id { get; init; }
    public DateTimeOffset? Created { get; init; }
    public DateTimeOffset? Updated { get; init; }
    public required string Name { get; init; }
    public JsonElement Value { get; init; }
    public IList<string> Tags { get; init; } = [];
}

/// <summary>Body of <c>POST /variables/</c> (Prefect's VariableCreate).</summary>
public sealed record VariableCreate
{
    public required string Name { get; init; }
    public JsonElement Value { get; init; }
    public IList<string>? Tags { get; init; }
}
