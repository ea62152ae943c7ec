using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Loading;

namespace Flows.Deploy.Planning;

/// <summary>Reading a deployment's rendered values (text, booleans, whole numbers, string lists, mappings as JSON
/// elements) and locating problems at their file(line,col): the helpers every part of the planner shares.</summary>
internal static class PlanValues
{
    internal static List<string>? StringList(JsonNode? node, YamlDocument doc, string pointer, string what, List<DeployDiagnostic> errors)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonArray a when IsTextList(a):
                var list = new List<string>(a.Count);
                foreach (var item in a)
                {
                    list.Add(Text(item)!);
                }

                return list;
            default:
                errors.Add(At(doc, pointer, DiagnosticCodes.DeploymentInvalid, $"'{what}' must be a list of strings, got {Kind(node)}",
                    $"Write {what} as a YAML list ('- a' lines or [a, b]); a placeholder that yields text is not split"));
                return null;
        }
    }

    internal static bool IsTextList(JsonArray list)
    {
        foreach (var item in list)
        {
            if (item is not JsonValue v || v.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
            {
                return false;
            }
        }

        return true;
    }

    internal static int? Int(JsonNode? node, YamlDocument doc, string pointer, string what, List<DeployDiagnostic> errors)
    {
        if (node is JsonValue v && v.TryGetValue<long>(out var n) && n is > 0 and <= int.MaxValue)
        {
            return (int)n;
        }

        if (node is JsonValue s && s.TryGetValue<double>(out var d) && d > 0 && d <= int.MaxValue && Math.Floor(d) == d)
        {
            return (int)d;
        }

        errors.Add(At(doc, pointer, DiagnosticCodes.DeploymentInvalid, $"'{what}' must be a positive whole number, got {node?.ToJsonString() ?? "null"}", $"Write {what}: 1"));
        return null;
    }
    internal static string? Text(JsonNode? node) => node is JsonValue v
        ? v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
            _ => null,
        }
        : null;
    internal static bool? Bool(JsonNode? node) => node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : null;

    internal static string Kind(JsonNode? node) => node switch
    {
        JsonObject => "a mapping",
        JsonArray => "a list with non-text items",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => $"the text '{v.GetValue<string>()}'",
        _ => node?.ToJsonString() ?? "null",
    };
    internal static Dictionary<string, JsonElement> Elements(JsonObject obj) =>
        obj.ToDictionary(p => p.Key, p => p.Value is null ? JsonSerializer.SerializeToElement<object?>(null) : JsonSerializer.SerializeToElement(p.Value), StringComparer.Ordinal);

    internal static T? Fail<T>(List<DeployDiagnostic> errors, DeployDiagnostic diagnostic) where T : class
    {
        errors.Add(diagnostic);
        return null;
    }

    internal static DeployDiagnostic At(YamlDocument doc, string pointer, string code, string message, string fix, bool isError = true)
    {
        var (line, column) = doc.PositionOf(pointer);
        return new DeployDiagnostic(code, isError, message, fix.TrimEnd('.') + ".", doc.File, line, column);
    }

    internal static string Escape(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
