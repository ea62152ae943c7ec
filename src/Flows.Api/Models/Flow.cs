using System.Text.Json;

namespace Flows.Api.Models;

/// <summary>Body of <c>POST /flows/</c> (upsert by name).</summary>
public sealed record FlowCreate
{
    public required string Name { get; init; }
    public IList<string>? Tags { get; init; }
    public IDictionary<string, JsonElement>? Labels { get; init; }
}

/// <summary>A flow as the server returns it.</summary>
public sealed record Flow
{
    public required Guid Id { get; init; }
    public DateTimeOffset? Created { get; init; }
    public DateTimeOffset? Updated { get; init; }
    public required string Name { get; init; }
    public IList<string> Tags { get; init; } = [];
    public IDictionary<string, JsonElement>? Labels { get; init; }
}
