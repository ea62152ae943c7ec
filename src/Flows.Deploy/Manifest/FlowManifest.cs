using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Flows.Deploy.Manifest;

/// <summary>The compile-time flow manifest the generator embeds (docs/DESIGN.md, "The flow manifest").</summary>
public sealed record FlowManifest(
    [property: JsonPropertyName("schema_version")] int SchemaVersion,
    [property: JsonPropertyName("assembly")] string? Assembly,
    [property: JsonPropertyName("flows")] IReadOnlyList<FlowManifestEntry> Flows);

/// <summary>One <c>[Flow]</c> method: its name, where it is declared, and its parameter schema.</summary>
public sealed record FlowManifestEntry(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("method")] string? Method,
    [property: JsonPropertyName("source_file")] string SourceFile,
    [property: JsonPropertyName("line")] int Line,
    [property: JsonPropertyName("description")] string? Description,
    [property: JsonPropertyName("is_async")] bool IsAsync,
    [property: JsonPropertyName("parameter_openapi_schema")] JsonObject? ParameterOpenApiSchema);
