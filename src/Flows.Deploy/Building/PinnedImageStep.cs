using System.Text.Json.Nodes;
using Flows.Deploy.Steps;

namespace Flows.Deploy.Building;

/// <summary>
/// <c>build_docker_image</c> after the images were built and pushed: the same outputs, with <c>image</c> pinned to the
/// pushed digest (<c>name:tag@sha256:…</c>) and <c>image_id</c> set, so every <c>{{ build-image.image }}</c> in the
/// deployments names exactly what was pushed.
/// </summary>
internal sealed class PinnedImageStep(IReadOnlyDictionary<string, BuiltImage> built) : IDeploymentStep
{
    private readonly BuildDockerImageStep _inner = new();

    public string Name => BuildDockerImageStep.StepName;

    public async Task<JsonObject> RunAsync(StepInvocation invocation, CancellationToken cancellationToken = default)
    {
        var outputs = await _inner.RunAsync(invocation, cancellationToken).ConfigureAwait(false);
        var reference = outputs["image"]!.GetValue<string>();
        if (!built.TryGetValue(reference, out var image))
        {
            // A step before it produced a different value the second time (a timestamp tag, a moving branch).
            throw new StepException(BuildDiagnosticCodes.ImageChanged, $"the image step now gives {reference}, which was not built (built: {string.Join(", ", built.Keys)})",
                "Make the image tag repeatable (the commit SHA, not a time) and deploy again.", badInput: false);
        }

        outputs["image"] = image.Reference;
        outputs["image_id"] = image.ImageId ?? image.Digest;
        return outputs;
    }
}
