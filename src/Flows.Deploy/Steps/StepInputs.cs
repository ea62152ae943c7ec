using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Deploy.Diagnostics;

namespace Flows.Deploy.Steps;

/// <summary>Typed reads of step inputs with errors that say which key is wrong.</summary>
internal static class StepInputs
{
    public static string? String(JsonObject inputs, string step, string key, bool required = false)
    {
        var node = inputs[key];
        if (node is null)
        {
            return required ? throw Invalid(step, $"'{key}' is required", $"Add '{key}:' to the step") : null;
        }

        return node is JsonValue v && v.GetValueKind() is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False
            ? (v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString())
            : throw Invalid(step, $"'{key}' must be text, not {node.GetValueKind().ToString().ToLowerInvariant()}", $"Write '{key}' as a string");
    }

    public static bool Bool(JsonObject inputs, string step, string key, bool fallback)
    {
        var node = inputs[key];
        return node switch
        {
            null => fallback,
            JsonValue v when v.GetValueKind() == JsonValueKind.True => true,
            JsonValue v when v.GetValueKind() == JsonValueKind.False => false,
            JsonValue v when v.GetValueKind() == JsonValueKind.String && bool.TryParse(v.GetValue<string>(), out var b) => b,
            _ => throw Invalid(step, $"'{key}' must be true or false", $"Write '{key}: true' or '{key}: false'"),
        };
    }

    public static StepException Invalid(string step, string message, string fix) =>
        new(DiagnosticCodes.StepInvalid, $"step '{step}': {message}", fix, badInput: true);
}
