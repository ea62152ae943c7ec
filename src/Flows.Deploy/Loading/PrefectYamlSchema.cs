using System.Text.Json;
using Flows.Deploy.Diagnostics;
using Json.Schema;

namespace Flows.Deploy.Loading;

/// <summary>Validates a loaded prefect.yaml against Prefect's published schema (embedded), with file:line:col.</summary>
public static class PrefectYamlSchema
{
    private static readonly Lazy<System.Text.Json.Nodes.JsonObject> SchemaNode = new(() =>
    {
        using var stream = typeof(PrefectYamlSchema).Assembly.GetManifestResourceStream("Flows.Deploy.Schemas.prefect.yaml.schema.json")!;
        using var reader = new StreamReader(stream);
        // Without its $id: JsonSchema.Net refuses to register that id ("Overwriting registered schemas"); refs are all local.
        var node = System.Text.Json.Nodes.JsonNode.Parse(reader.ReadToEnd())!.AsObject();
        node.Remove("$id");
        return node;
    });

    // Built once per process: the schema carries an $id, and building is the expensive part.
    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromText(SchemaNode.Value.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() }));

    // The common case (a valid file) is decided here, on the loaded nodes, in ~1 µs per deployment: JsonSchema.Net
    // costs ~0.12 ms per deployment even with the flag output, so it only runs (and explains) when this is unsure.
    private static readonly Lazy<FastSchemaCheck?> Fast = new(() => FastSchemaCheck.Compile(SchemaNode.Value));

    /// <summary>The schema violations, one per offending value (the deepest location wins for anyOf branches).</summary>
    public static IReadOnlyList<DeployDiagnostic> Validate(YamlDocument document)
    {
        if (document.Root is null)
        {
            return [];
        }

        if (Fast.Value?.IsCertainlyValid(document.Root) == true)
        {
            return [];
        }

        using var json = JsonDocument.Parse(document.Root.ToJsonString());
        // The flag form stops at the first failure and collects nothing: the common valid case pays only for that.
        if (Schema.Value.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.Flag }).IsValid)
        {
            return [];
        }

        var results = Schema.Value.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }

        // The list output also carries the failures of anyOf branches that lost to a passing branch: drop those.
        var details = results.Details ?? [];
        var passingBranch = details.Where(d => d.IsValid && d.EvaluationPath.ToString().Contains("/anyOf/", StringComparison.Ordinal))
            .Select(d => d.InstanceLocation.ToString()).ToHashSet();
        var failures = details.Where(d => d.Errors is { Count: > 0 } && !passingBranch.Contains(d.InstanceLocation.ToString()))
            .Select(d => (Pointer: d.InstanceLocation.ToString(), Message: d.Errors!.Values.First()))
            .ToList();
        // Report a location once, and not when a more specific location beneath it also failed.
        return failures
            .GroupBy(f => f.Pointer)
            .Where(g => !failures.Any(f => f.Pointer.Length > g.Key.Length && f.Pointer.StartsWith(g.Key + "/", StringComparison.Ordinal)))
            .Select(g =>
            {
                var (line, column) = document.PositionOf(g.Key);
                var where = g.Key.Length == 0 ? "the document" : $"'{g.Key.TrimStart('/').Replace('/', '.')}'";
                return new DeployDiagnostic(DiagnosticCodes.SchemaViolation, true, $"{where} does not match prefect.yaml's schema: {g.First().Message}",
                    "See Prefect's prefect.yaml reference for this key.", document.File, line, column);
            })
            .ToList();
    }
}
