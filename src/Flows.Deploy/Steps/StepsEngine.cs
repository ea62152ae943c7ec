using System.Text.Json.Nodes;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Loading;
using Flows.Deploy.Templating;

namespace Flows.Deploy.Steps;

/// <summary>
/// Runs a build or push list in order: each step's inputs (all keys but <c>id</c> and <c>requires</c>, which is
/// accepted and ignored: there is no Python environment to install into) are templated with the outputs of the steps
/// before it, then the step runs and its outputs are stored under its <c>id</c> (steps without one still feed bare
/// <c>{{ key }}</c> placeholders).
/// </summary>
public sealed class StepsEngine(StepRegistry registry)
{
    /// <summary>Runs <paramref name="steps"/> (at <paramref name="pointer"/> in the document), adding to <paramref name="outputs"/>.
    /// Stops at the first problem: later steps depend on earlier outputs.</summary>
    public async Task RunAsync(JsonArray steps, YamlDocument document, string pointer, StepRecorder recorder, string projectDirectory, string? projectFile,
        Func<string, string?> environment, Dictionary<string, JsonObject> outputs, CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            var stepPointer = $"{pointer}/{i}";
            var (name, body) = Parse(steps[i], document, stepPointer);
            var step = registry.Find(name)
                ?? throw Located(document, stepPointer, DiagnosticCodes.StepUnknown, $"unknown step '{name}'",
                    $"Use one of: {string.Join(", ", registry.Names.Order())}", badInput: true);
            var id = body["id"] is JsonValue idValue && idValue.TryGetValue<string>(out var s) ? s : null;
            var inputs = new JsonObject();
            foreach (var (key, value) in body)
            {
                if (key is not ("id" or "requires"))
                {
                    inputs[key] = value?.DeepClone();
                }
            }

            ShellScriptTemplates.Check(name, inputs, document, stepPointer);
            var errors = new List<DeployDiagnostic>();
            var engine = new TemplateEngine(outputs, environment);
            var rendered = (JsonObject)LocatedTemplate.Render(engine, inputs, document, $"{stepPointer}/{Escape(name)}", errors)!;
            if (errors.Count > 0)
            {
                throw new DeployException(errors);
            }

            JsonObject result;
            try
            {
                result = await step.RunAsync(new StepInvocation(rendered, projectDirectory, projectFile, environment, recorder), cancellationToken).ConfigureAwait(false);
            }
            catch (StepException ex)
            {
                throw Located(document, stepPointer, ex.Code, ex.Message, ex.Fix, ex.BadInput);
            }

            // Steps without an id get a key no placeholder can name, so only bare keys reach their outputs.
            outputs[id ?? $"#{pointer}/{i}"] = result;
        }
    }

    /// <summary>A step entry is a one-key mapping: the step's name → its inputs (or nothing).</summary>
    public static (string Name, JsonObject Body) Parse(JsonNode? entry, YamlDocument document, string pointer)
    {
        if (entry is not JsonObject { Count: 1 } obj)
        {
            throw Located(document, pointer, DiagnosticCodes.StepInvalid, "a step must be a mapping with exactly one key, the step's name",
                "Write '- prefect.deployments.steps.run_shell_script:' followed by its inputs, indented", badInput: true);
        }

        var (name, value) = obj.First();
        return value switch
        {
            null => (name, new JsonObject()),
            JsonObject body => (name, body),
            _ => throw Located(document, pointer, DiagnosticCodes.StepInvalid, $"the inputs of step '{name}' must be a mapping",
                "Indent the step's inputs as 'key: value' lines under its name", badInput: true),
        };
    }

    private static DeployException Located(YamlDocument document, string pointer, string code, string message, string fix, bool badInput)
    {
        var (line, column) = document.PositionOf(pointer);
        return new DeployException([new DeployDiagnostic(code, true, message, fix.TrimEnd('.') + ".", document.File, line, column)], badInput);
    }

    private static string Escape(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
