using System.Text.Json.Nodes;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Loading;

namespace Flows.Deploy.Steps;

/// <summary>
/// <c>run_shell_script</c> with <c>shell: true</c> hands its script to a shell. A <c>{{ … }}</c> value rendered into that
/// text becomes shell syntax: a branch name or step output holding <c>$(…)</c> or <c>;</c> would run as a command.
/// Prefect renders it anyway; here it is refused before the step runs, with the safe form as the fix: pass the value
/// through <c>env</c> (set as an environment variable, never parsed by the shell) and write <c>"$NAME"</c> in the script.
/// Without a shell each line is split into words first, so a value can only ever be data, and templates stay allowed.
/// </summary>
public static class ShellScriptTemplates
{
    /// <summary>Throws a located <see cref="DeployException"/> when <paramref name="inputs"/> (not yet rendered) of a
    /// shell-mode <c>run_shell_script</c> put a template into the script text.</summary>
    public static void Check(string stepName, JsonObject inputs, YamlDocument document, string stepPointer)
    {
        if (stepName != RunShellScriptStep.StepName || !UsesShell(inputs["shell"])
            || inputs["script"] is not JsonValue script || !script.TryGetValue<string>(out var text) || !text.Contains("{{", StringComparison.Ordinal))
        {
            return;
        }

        var start = text.IndexOf("{{", StringComparison.Ordinal);
        var end = text.IndexOf("}}", start, StringComparison.Ordinal);
        var placeholder = end < 0 ? text[start..] : text[start..(end + 2)];
        var (line, column) = document.PositionOf($"{stepPointer}/{stepName}/script");
        throw new DeployException([new DeployDiagnostic(DiagnosticCodes.ShellScriptTemplated, true,
            $"step '{stepName}' with 'shell' puts the templated value {placeholder} into shell text, where it would be read as shell syntax",
            $"Pass it as an environment variable instead: add 'env: {{VALUE: \"{placeholder}\"}}' to the step and write \"$VALUE\" (quoted) in the script.",
            document.File, line, column)]);
    }

    private static bool UsesShell(JsonNode? shell) => shell switch
    {
        null => false,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<string>(out var s) => s.Length > 0,
        _ => false,
    };
}
