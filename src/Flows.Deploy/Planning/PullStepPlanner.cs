using System.Text.Json.Nodes;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Loading;
using Flows.Deploy.Steps;
using Flows.Deploy.Templating;
using static Flows.Deploy.Planning.PlanValues;

namespace Flows.Deploy.Planning;

/// <summary>A deployment's pull steps: checked (known to the runner, <c>set_working_directory</c> has a directory) and
/// templated with the build outputs and the environment now; references to the pull steps' own outputs stay for the
/// worker, which runs them.</summary>
internal static class PullStepPlanner
{
    public static JsonArray? Plan(JsonArray pull, string pointer, bool declared, YamlDocument doc, Dictionary<string, JsonObject> outputs, DeployRequest request,
        List<DeployDiagnostic> errors, List<DeployDiagnostic> warnings)
    {
        var deferred = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < pull.Count; i++)
        {
            try
            {
                var (name, body) = StepsEngine.Parse(pull[i], doc, $"{pointer}/{i}");
                if (body["id"] is JsonValue id && id.TryGetValue<string>(out var s))
                {
                    deferred.Add(s);
                }

                if (!StepRegistry.KnownPullSteps.Contains(name))
                {
                    warnings.Add(At(doc, $"{pointer}/{i}", DiagnosticCodes.PullStepUnknown, $"pull step '{name}' is not one this project's runner implements", "It is sent as written; the run fails if the runner cannot execute it", false));
                }
                else if (name.EndsWith(".set_working_directory", StringComparison.Ordinal) && Text(body["directory"]) is null)
                {
                    errors.Add(At(doc, $"{pointer}/{i}", DiagnosticCodes.StepInvalid, "set_working_directory needs 'directory'", "Add 'directory: /opt/prefect/flows' (the path inside the image)"));
                }
            }
            catch (DeployException ex)
            {
                errors.AddRange(ex.Diagnostics);
            }
        }

        // Pull steps run later, on the worker: build outputs and env vars are resolved now, their own outputs then.
        return pull.Count == 0 && !declared
            ? null
            : LocatedTemplate.Render(new TemplateEngine(outputs, request.Environment, deferred), pull, doc, pointer, errors) as JsonArray;
    }
}
