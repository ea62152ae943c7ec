using System.Text.Json.Nodes;
using Flows.Deploy.Planning;
using Flows.Deploy.Steps;

namespace Flows.Deploy.Building;

/// <summary>
/// <c>build_docker_image</c> while planning a deploy that will build: plans as <see cref="BuildDockerImageStep"/> does,
/// and remembers where each image's step ran (the build context and project), which the plan itself does not keep.
/// </summary>
internal sealed class ImageStepCapture : IDeploymentStep
{
    private readonly BuildDockerImageStep _inner = new();

    public string Name => BuildDockerImageStep.StepName;

    /// <summary>Per planned image: the directory the step ran in and the project file, if any.</summary>
    public Dictionary<PlannedImage, (string Directory, string? ProjectFile)> Sources { get; } = [];

    public async Task<JsonObject> RunAsync(StepInvocation invocation, CancellationToken cancellationToken = default)
    {
        var before = invocation.Recorder.Images.Count;
        var outputs = await _inner.RunAsync(invocation, cancellationToken).ConfigureAwait(false);
        foreach (var image in invocation.Recorder.Images.Skip(before))
        {
            Sources[image] = (invocation.ProjectDirectory, invocation.ProjectFile);
        }

        return outputs;
    }
}
