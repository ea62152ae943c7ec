using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Loading;
using Flows.Deploy.Manifest;
using Json.Schema;

namespace Flows.Deploy.Planning;

/// <summary>One parameter problem: which parameter (null for the object as a whole), what, and how to fix it.</summary>
public sealed record ParameterProblem(string Code, string? Parameter, string Message, string Fix);

/// <summary>
/// Checks a deployment's parameters against the flow's compile-time <c>parameter_openapi_schema</c>: unknown names,
/// wrong types (JSON Schema, including records and enums in <c>definitions</c>) and missing required values. Each
/// flow's schema is compiled once, however many deployments use it.
/// </summary>
public sealed class ParameterValidator
{
    private readonly ConcurrentDictionary<FlowManifestEntry, (JsonSchema? Schema, FastSchemaCheck? Fast)> _schemas = new(ReferenceEqualityComparer.Instance);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public IReadOnlyList<ParameterProblem> Validate(FlowManifestEntry flow, JsonObject parameters)
    {
        var problems = new List<ParameterProblem>();
        var schema = flow.ParameterOpenApiSchema;
        if (schema is null)
        {
            return problems;
        }

        var properties = schema["properties"] as JsonObject ?? [];
        foreach (var (name, _) in parameters)
        {
            if (!properties.ContainsKey(name))
            {
                problems.Add(new ParameterProblem(DiagnosticCodes.ParameterUnknown, name, $"flow '{flow.Name}' has no parameter '{name}'",
                    properties.Count == 0 ? "Remove it: the flow takes no parameters" : $"Its parameters are: {string.Join(", ", properties.Select(p => p.Key))}"));
            }
        }

        foreach (var name in schema["required"] as JsonArray ?? [])
        {
            if (name?.GetValue<string>() is { } required && !parameters.ContainsKey(required))
            {
                problems.Add(new ParameterProblem(DiagnosticCodes.ParameterMissing, null, $"flow '{flow.Name}' requires parameter '{required}', which has no value",
                    $"Add '{required}' under the deployment's parameters (or pass --param {required}=VALUE)"));
            }
        }

        var (compiled, fast) = _schemas.GetOrAdd(flow, static f => Compile(f.ParameterOpenApiSchema!));
        if (compiled is null)
        {
            return problems;
        }

        // Unknown names are reported above; the types of the known ones are checked. The fast check decides the
        // common valid case on the nodes themselves (~1 µs); JsonSchema.Net runs, and explains, only when it is unsure.
        var known = problems.Count == 0 ? parameters
            : new JsonObject(parameters.Where(p => properties.ContainsKey(p.Key)).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        if (fast?.IsCertainlyValid(known) == true)
        {
            return problems;
        }

        using var json = JsonDocument.Parse(known.ToJsonString());
        if (compiled.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.Flag }).IsValid)
        {
            return problems;
        }

        var result = compiled.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return problems;
        }

        foreach (var failure in (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                     .GroupBy(d => d.InstanceLocation.ToString()).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var pointer = failure.Key.TrimStart('/');
            var name = pointer.Split('/')[0].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (name.Length == 0 || problems.Any(p => p.Parameter == name))
            {
                continue;
            }

            // anyOf/allOf wrappers report every branch; the most specific one says the most.
            var message = failure.SelectMany(d => d.Errors!.Values).First();
            var expected = Describe(properties[name] as JsonObject);
            problems.Add(new ParameterProblem(DiagnosticCodes.ParameterInvalid, name,
                $"parameter '{name}' of flow '{flow.Name}' has the wrong type: {message}{(pointer.Contains('/', StringComparison.Ordinal) ? $" (at '{pointer}')" : "")}",
                expected is null ? "Give it a value of the declared C# type" : $"Give it {expected}"));
        }

        return problems;
    }

    private static string? Describe(JsonObject? property) => property?["type"] switch
    {
        JsonValue v when v.TryGetValue<string>(out var t) => t switch
        {
            "integer" => "a whole number",
            "number" => "a number",
            "boolean" => "true or false",
            "string" => "a string",
            "array" => "a list",
            "object" => "a mapping",
            _ => null,
        },
        _ => null,
    };

    /// <summary>pydantic's <c>position</c> is not a JSON Schema keyword, and 2020-12 refuses unknown keywords. Only schema
    /// positions are visited, so a parameter that happens to be named "position" survives.</summary>
    private static void StripNonStandardKeywords(JsonNode? node)
    {
        if (node is not JsonObject schema)
        {
            return;
        }

        schema.Remove("position");
        foreach (var map in new[] { "properties", "$defs", "patternProperties" })
        {
            foreach (var (_, sub) in schema[map] as JsonObject ?? [])
            {
                StripNonStandardKeywords(sub);
            }
        }

        foreach (var list in new[] { "anyOf", "allOf", "oneOf", "prefixItems" })
        {
            foreach (var sub in schema[list] as JsonArray ?? [])
            {
                StripNonStandardKeywords(sub);
            }
        }

        foreach (var single in new[] { "items", "additionalProperties", "not" })
        {
            StripNonStandardKeywords(schema[single]);
        }
    }

    private static (JsonSchema?, FastSchemaCheck?) Compile(JsonObject parameterSchema)
    {
        // pydantic-style refs point at "#/definitions/X"; JSON Schema 2020-12 resolves "$defs", so move them there.
        var text = parameterSchema.ToJsonString().Replace("\"#/definitions/", "\"#/$defs/", StringComparison.Ordinal);
        var schema = JsonNode.Parse(text)!.AsObject();
        if (schema["definitions"] is JsonObject definitions)
        {
            schema.Remove("definitions");
            schema["$defs"] = definitions;
        }

        // Required and unknown names are reported above, with better messages.
        schema.Remove("required");
        StripNonStandardKeywords(schema);
        schema.Remove("$id");
        try
        {
            return (JsonSchema.FromText(schema.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() }), FastSchemaCheck.Compile(schema));
        }
        catch (Exception ex) when (ex is JsonException or JsonSchemaException or InvalidOperationException or ArgumentException)
        {
            // A schema the generator emitted but the validator cannot read must not block the deploy; the server
            // validates again when enforce_parameter_schema is on.
            return (null, null);
        }
    }
}
