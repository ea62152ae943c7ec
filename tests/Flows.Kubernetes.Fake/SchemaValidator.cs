using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Flows.Kubernetes.Fake;

/// <summary>
/// Validates objects against the embedded strict per-kind schemas (unknown fields rejected, as kubectl --validate=strict).
/// A real API server answers an unknown field with 400 (fieldValidation=Strict) or drops it silently (the default);
/// the fake is stricter on purpose and answers 422 Invalid with one cause per field, so a misplaced field fails a test.
/// </summary>
public static class SchemaValidator
{
    // Building a 600 KB schema is the expensive part: once per kind per process, shared by every fake.
    private static readonly ConcurrentDictionary<string, Lazy<JsonSchema>> Schemas = new();

    public static IReadOnlyList<FieldCause> Validate(ResourceKind kind, JsonObject obj)
    {
        var schema = Schemas.GetOrAdd(kind.SchemaFile, file => new Lazy<JsonSchema>(() => Load(file))).Value;
        using var document = JsonDocument.Parse(obj.ToJsonString());
        // The flag form stops at the first failure: the common valid case pays only for that.
        if (schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.Flag }).IsValid)
        {
            return [];
        }

        var results = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var failures = (results.Details ?? []).Append(results)
            .Where(d => d.Errors is { Count: > 0 })
            .Select(d => (Location: d.InstanceLocation.ToString(), Keyword: LastSegment(d.EvaluationPath.ToString()), Errors: d.Errors!))
            .ToList();
        var causes = new List<FieldCause>();
        foreach (var group in failures.GroupBy(f => f.Location))
        {
            // Report the deepest location only: a parent fails because its child did.
            if (failures.Any(f => f.Location.StartsWith(group.Key + "/", StringComparison.Ordinal)))
            {
                continue;
            }

            var field = ToField(group.Key);
            var failure = group.First();
            if (failure.Keyword == "additionalProperties")
            {
                causes.Add(new FieldCause(field, "FieldValueInvalid", $"unknown field \"{field}\""));
            }
            else if (failure.Errors.TryGetValue("required", out var required))
            {
                causes.Add(new FieldCause(field, "FieldValueRequired", $"Required value: {required}"));
            }
            else
            {
                var value = JsonPointerValue(obj, group.Key);
                causes.Add(new FieldCause(field, "FieldValueInvalid", $"Invalid value: {value}: {string.Join("; ", group.SelectMany(g => g.Errors.Values).Distinct())}"));
            }
        }

        return causes.Count > 0 ? causes : [new FieldCause("", "FieldValueInvalid", "the object does not match its schema")];
    }

    private static JsonSchema Load(string file)
    {
        using var stream = typeof(SchemaValidator).Assembly.GetManifestResourceStream("schemas/" + file)
            ?? throw new InvalidOperationException($"schema {file} is not embedded");
        var node = JsonNode.Parse(stream)!.AsObject();
        // "$schema": "http://json-schema.org/schema#" names no meta-schema JsonSchema.Net knows; the files are draft-07 shaped,
        // and draft-07 allows the unknown x-kubernetes-* keywords.
        node.Remove("$schema");
        using var document = JsonDocument.Parse(node.ToJsonString());
        return JsonSchema.Build(document.RootElement.Clone(), new BuildOptions { Dialect = Dialect.Draft07, SchemaRegistry = new SchemaRegistry() },
            new Uri($"urn:flows:kubernetes-fake:{file}"));
    }

    private static string LastSegment(string path) => path[(path.LastIndexOf('/') + 1)..];

    private static string ToField(string pointer) =>
        string.Join('.', pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)));

    private static string JsonPointerValue(JsonObject obj, string pointer)
    {
        JsonNode? node = obj;
        foreach (var segment in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            node = node switch
            {
                JsonObject o => o[name],
                JsonArray a when int.TryParse(name, out var i) && i < a.Count => a[i],
                _ => null,
            };
        }

        return node?.ToJsonString() ?? "null";
    }
}
