using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Flows.Deploy.Charts.Tests;

/// <summary>
/// Validates objects against the embedded Kubernetes 1.31 strict schemas (schemas/), chosen by apiVersion and kind
/// as the files are named (deployment-apps-v1.json, role-rbac-v1.json, service-v1.json). A kind without a schema is an
/// error, never a pass.
/// </summary>
internal static class KubernetesSchemas
{
    private static readonly ConcurrentDictionary<string, Lazy<JsonSchema?>> Schemas = new();

    public static string FileName(JsonObject obj)
    {
        var apiVersion = (string?)obj["apiVersion"] ?? "";
        var kind = ((string?)obj["kind"] ?? "").ToLowerInvariant();
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0
            ? $"{kind}-{apiVersion}.json"
            : $"{kind}-{apiVersion[..slash].Split('.')[0]}-{apiVersion[(slash + 1)..]}.json";
    }

    /// <summary>One line per failure: the object, the field and what is wrong; empty when valid.</summary>
    public static IReadOnlyList<string> Validate(JsonObject obj)
    {
        var file = FileName(obj);
        var schema = Schemas.GetOrAdd(file, f => new Lazy<JsonSchema?>(() => Load(f))).Value;
        if (schema is null)
        {
            return [$"{Manifests.Id(obj)}: no schema {file} in schemas/ (add it from the Kubernetes reference)"];
        }

        using var document = JsonDocument.Parse(obj.ToJsonString());
        var results = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical });
        var failures = new List<string>();
        Collect(results, Manifests.Id(obj), failures);
        return failures.Distinct().ToList();
    }

    // Only into invalid nodes: the failed branch of a oneOf that passed (a quantity is a string or a number) is no failure.
    private static void Collect(EvaluationResults node, string id, List<string> failures)
    {
        if (node.IsValid)
        {
            return;
        }

        var location = node.InstanceLocation.ToString() is { Length: > 0 } l ? l : "/";
        // additionalProperties: false fails as the false schema, with one error keyed "".
        if (node.EvaluationPath.ToString().EndsWith("/additionalProperties", StringComparison.Ordinal)
            && node.Errors is { Count: > 0 } own && own.Keys.All(k => k.Length == 0))
        {
            failures.Add($"{id}: {location}: unknown field");
            return;
        }

        if (node.Errors is { Count: > 0 } errors)
        {
            failures.Add($"{id}: {location}: {string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value}"))}");
        }

        foreach (var child in node.Details ?? [])
        {
            Collect(child, id, failures);
        }
    }

    /// <summary>Fails the test with every failure of every object.</summary>
    public static void AssertValid(IEnumerable<JsonObject> objects)
    {
        var failures = objects.SelectMany(Validate).ToList();
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static JsonSchema? Load(string file)
    {
        using var stream = typeof(KubernetesSchemas).Assembly.GetManifestResourceStream("schemas/" + file);
        if (stream is null)
        {
            return null;
        }

        var node = JsonNode.Parse(stream)!.AsObject();
        // "$schema": "http://json-schema.org/schema#" names no meta-schema JsonSchema.Net knows; the files are draft-07
        // shaped, and draft-07 allows the x-kubernetes-* keywords.
        node.Remove("$schema");
        using var document = JsonDocument.Parse(node.ToJsonString());
        return JsonSchema.Build(document.RootElement.Clone(), new BuildOptions { Dialect = Dialect.Draft07, SchemaRegistry = new SchemaRegistry() },
            new Uri($"urn:flows:charts-tests:{file}"));
    }
}
