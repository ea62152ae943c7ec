using System.Text.Json.Nodes;
using Flows.Deploy.Planning;

namespace Flows.Deploy.Steps;

/// <summary>
/// <c>prefect_docker.deployments.steps.build_docker_image</c>: recognised and planned, never executed here (the image
/// issue executes it: <c>dockerfile: auto</c> → SDK container publish of the project, a path → Docker Engine build).
/// Outputs as prefect-docker's: <c>image_name</c>, <c>tag</c>, <c>image</c> (<c>image_name:tag</c>) and <c>image_id</c>
/// (null until built). A missing <c>tag</c> is <c>latest</c> (prefect-docker uses a timestamp; a plan should be repeatable).
/// </summary>
public sealed class BuildDockerImageStep : IDeploymentStep
{
    public const string StepName = "prefect_docker.deployments.steps.build_docker_image";

    public string Name => StepName;

    public Task<JsonObject> RunAsync(StepInvocation invocation, CancellationToken cancellationToken = default)
    {
        var inputs = invocation.Inputs;
        var name = StepInputs.String(inputs, StepName, "image_name", required: true)!;
        if (name.Length == 0 || name.Any(char.IsWhiteSpace) || name.Contains("{{", StringComparison.Ordinal))
        {
            throw StepInputs.Invalid(StepName, $"'{name}' is not an image name", "Set image_name to a repository such as registry.example.com/flows");
        }

        var tag = StepInputs.String(inputs, StepName, "tag") ?? "latest";
        if (tag.Length == 0 || tag.Length > 128 || !tag.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-') || tag[0] is '.' or '-')
        {
            throw StepInputs.Invalid(StepName, $"'{tag}' is not a valid image tag", "Use letters, digits, '_', '.' and '-' (at most 128; not starting with '.' or '-')");
        }

        var dockerfile = StepInputs.String(inputs, StepName, "dockerfile") ?? "auto";
        var platform = StepInputs.String(inputs, StepName, "platform");
        var project = invocation.ProjectFile is null ? null : Path.GetFileName(invocation.ProjectFile);
        var image = new PlannedImage(name, tag, platform, project, dockerfile);
        invocation.Recorder.PlanImage(image);
        return Task.FromResult(new JsonObject
        {
            ["image_name"] = name,
            ["tag"] = tag,
            ["image"] = image.Reference,
            ["image_id"] = null,
        });
    }
}
