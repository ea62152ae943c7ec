using System.Text.Json;

namespace Flows.Deployed;

/// <summary>
/// Runs a deployment's pull steps inside the image before the flow starts. Our images carry their code, so the
/// step that matters is <c>set_working_directory</c> (the seed's pull section); others are refused clearly
/// rather than skipped, since skipping one would run the flow against the wrong code.
/// </summary>
internal static class PullSteps
{
    private static readonly string[] SetWorkingDirectory =
    [
        "prefect.deployments.steps.set_working_directory",
        "prefect.deployments.steps.pull.set_working_directory",
    ];

    public static void Run(JsonElement? steps, TextWriter output)
    {
        if (steps is not { ValueKind: JsonValueKind.Array } list)
        {
            return;
        }

        foreach (var step in list.EnumerateArray())
        {
            if (step.ValueKind != JsonValueKind.Object || step.EnumerateObject().Count() != 1)
            {
                throw new InvalidOperationException($"FLOWS2202: a pull step must be an object with one key (the step's function), got {step.GetRawText()}.");
            }

            var property = step.EnumerateObject().Single();
            if (SetWorkingDirectory.Contains(property.Name, StringComparer.Ordinal))
            {
                var directory = property.Value.TryGetProperty("directory", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : null;
                if (string.IsNullOrWhiteSpace(directory))
                {
                    throw new InvalidOperationException("FLOWS2203: pull step set_working_directory needs 'directory'.");
                }

                if (!Directory.Exists(directory))
                {
                    throw new InvalidOperationException($"FLOWS2204: pull step set_working_directory: directory '{directory}' does not exist in this image or machine. Fix: point it at the directory the app was published to (the image's WORKDIR, e.g. /app).");
                }

                Directory.SetCurrentDirectory(directory);
                output.WriteLine($"Working directory set to '{directory}'.");
                continue;
            }

            throw new InvalidOperationException($"FLOWS2205: pull step '{property.Name}' is not supported by the .NET runner; the image already holds the code. Fix: use prefect.deployments.steps.set_working_directory, or no pull steps.");
        }
    }
}
