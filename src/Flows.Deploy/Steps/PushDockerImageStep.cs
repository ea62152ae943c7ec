using System.Text.Json.Nodes;

namespace Flows.Deploy.Steps;

/// <summary><c>prefect_docker.deployments.steps.push_docker_image</c>: recognised and planned (pushed by the image issue's
/// publisher, once per distinct image). Outputs as prefect-docker's: <c>image_name</c>, <c>tag</c>, <c>image</c>,
/// <c>additional_tags</c>.</summary>
public sealed class PushDockerImageStep : IDeploymentStep
{
    public const string StepName = StepNames.PushDockerImage;

    public string Name => StepName;

    public Task<JsonObject> RunAsync(StepInvocation invocation, CancellationToken cancellationToken = default)
    {
        var name = StepInputs.String(invocation.Inputs, StepName, "image_name", required: true)!;
        var tag = StepInputs.String(invocation.Inputs, StepName, "tag") ?? "latest";
        var additional = invocation.Inputs["additional_tags"] is JsonArray a ? (JsonArray)a.DeepClone() : [];
        return Task.FromResult(new JsonObject
        {
            ["image_name"] = name,
            ["tag"] = tag,
            ["image"] = $"{name}:{tag}",
            ["additional_tags"] = additional,
        });
    }
}
