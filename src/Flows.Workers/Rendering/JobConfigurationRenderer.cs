using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Flows.Workers.Rendering;

/// <summary>
/// Renders a flow run's job configuration from a work pool's base job template, as Prefect's workers do:
/// variables start from the template's <c>variables</c> defaults, the deployment's <c>job_variables</c> and then
/// the flow run's override them (<c>env</c> is merged key by key rather than replaced); in
/// <c>job_configuration</c> a string that is exactly one placeholder takes the variable's JSON value (and is
/// removed when the variable is unset), placeholders inside longer strings are replaced by text, and
/// <c>{{ ctx.flow_run.id }}</c>-style references read the run's context.
/// </summary>
public static partial class JobConfigurationRenderer
{
    public static JsonObject Render(JsonObject baseJobTemplate, JsonObject? deploymentJobVariables, JsonObject? flowRunJobVariables, JsonObject? context = null)
    {
        ArgumentNullException.ThrowIfNull(baseJobTemplate);
        var values = Variables(baseJobTemplate, deploymentJobVariables, flowRunJobVariables);
        var configuration = baseJobTemplate["job_configuration"] as JsonObject ?? [];
        var rendered = Apply(configuration, values, context ?? []) as JsonObject ?? [];
        return rendered;
    }

    /// <summary>The variable values: schema defaults, then the deployment's, then the run's (env merged).</summary>
    public static JsonObject Variables(JsonObject baseJobTemplate, JsonObject? deploymentJobVariables, JsonObject? flowRunJobVariables)
    {
        ArgumentNullException.ThrowIfNull(baseJobTemplate);
        var values = new JsonObject();
        if (baseJobTemplate["variables"]?["properties"] is JsonObject properties)
        {
            foreach (var (name, property) in properties)
            {
                if (property is JsonObject p && p.TryGetPropertyValue("default", out var value))
                {
                    values[name] = value?.DeepClone();
                }
            }
        }

        foreach (var overrides in new[] { deploymentJobVariables, flowRunJobVariables })
        {
            if (overrides is null)
            {
                continue;
            }

            foreach (var (name, value) in overrides)
            {
                if (name == "env" && values["env"] is JsonObject env && value is JsonObject more)
                {
                    foreach (var (key, item) in more)
                    {
                        env[key] = item?.DeepClone();
                    }
                }
                else
                {
                    values[name] = value?.DeepClone();
                }
            }
        }

        return values;
    }

    private static JsonNode? Apply(JsonNode? node, JsonObject values, JsonObject context)
    {
        switch (node)
        {
            case JsonObject obj:
                var result = new JsonObject();
                foreach (var (key, child) in obj)
                {
                    if (!IsUnsetPlaceholder(child, values, context))
                    {
                        result[key] = Apply(child, values, context);
                    }
                }

                return result;
            case JsonArray array:
                var list = new JsonArray();
                foreach (var item in array)
                {
                    if (!IsUnsetPlaceholder(item, values, context))
                    {
                        list.Add(Apply(item, values, context));
                    }
                }

                return list;
            case JsonValue value when value.TryGetValue<string>(out var s):
                if (WholePlaceholder(s) is { } whole)
                {
                    return Lookup(whole, values, context, out _)?.DeepClone();
                }

                return Placeholder().Replace(s, m =>
                {
                    var replacement = Lookup(m.Groups[1].Value, values, context, out var ok);
                    return !ok ? string.Empty : replacement is JsonValue jv && jv.TryGetValue<string>(out var text) ? text : replacement!.ToJsonString();
                });
            default:
                return node?.DeepClone();
        }
    }

    /// <summary>An unset whole placeholder removes its key (or array item), as Prefect's remove_notset does.</summary>
    private static bool IsUnsetPlaceholder(JsonNode? node, JsonObject values, JsonObject context)
    {
        if (node is JsonValue v && v.TryGetValue<string>(out var text) && WholePlaceholder(text) is { } whole)
        {
            Lookup(whole, values, context, out var found);
            return !found;
        }

        return false;
    }

    private static string? WholePlaceholder(string text)
    {
        var match = Placeholder().Match(text);
        return match.Success && match.Index == 0 && match.Length == text.Length ? match.Groups[1].Value : null;
    }

    /// <summary>A variable's value; <paramref name="found"/> is false when it is unset (absent or null).</summary>
    private static JsonNode? Lookup(string path, JsonObject values, JsonObject context, out bool found)
    {
        JsonNode? current;
        string[] parts;
        if (path.StartsWith("ctx.", StringComparison.Ordinal))
        {
            current = context;
            parts = path[4..].Split('.');
        }
        else
        {
            current = values;
            parts = path.Split('.');
        }

        foreach (var part in parts)
        {
            if (current is not JsonObject obj || !obj.TryGetPropertyValue(part, out current))
            {
                found = false;
                return null;
            }
        }

        found = current is not null;
        return current;
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_\-\.\$]+)\s*\}\}")]
    private static partial Regex Placeholder();
}
