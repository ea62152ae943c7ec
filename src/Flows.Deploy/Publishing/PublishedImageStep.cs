using System.Text.Json.Nodes;
using Flows.Deploy.Steps;

namespace Flows.Deploy.Publishing;

/// <summary>
/// <c>build_docker_image</c> as the publish path runs it: the project's image is built by the SDK, so the step's outputs
/// carry the commit tag (not the file's <c>tag:</c>), the destination chosen by MSBuild properties when set, and —
/// once pushed — the digest, so every <c>{{ build-image.image }}</c> pins <c>registry/repo:tag@sha256:…</c>.
/// Validation of the inputs stays with <see cref="BuildDockerImageStep"/>.
/// </summary>
public sealed class PublishedImageStep(string tag, string? imageName, string? digest) : IDeploymentStep
{
    private readonly BuildDockerImageStep _inner = new();

    public string Name => BuildDockerImageStep.StepName;

    public async Task<JsonObject> RunAsync(StepInvocation invocation, CancellationToken cancellationToken = default)
    {
        var inputs = (JsonObject)invocation.Inputs.DeepClone();
        inputs["tag"] = tag;
        if (imageName is not null)
        {
            inputs["image_name"] = imageName;
        }

        var outputs = await _inner.RunAsync(invocation with { Inputs = inputs }, cancellationToken).ConfigureAwait(false);
        if (digest is not null)
        {
            outputs["image"] = $"{outputs["image"]!.GetValue<string>()}@{digest}";
            outputs["image_id"] = digest;
        }

        return outputs;
    }

    /// <summary>The default steps with the image step replaced.</summary>
    public static StepRegistry Registry(string tag, string? imageName, string? digest) =>
        new([new RunShellScriptStep(), new GitCommitStep(), new PublishedImageStep(tag, imageName, digest), new PushDockerImageStep()]);
}
