using Flows.Deploy.Planning;
using Flows.Deploy.Publishing;

namespace Flows.Deploy.ImageSources;

/// <summary>One distinct image of a deploy. <see cref="ContextDirectory"/>: the directory the deployment file lives in
/// (Prefect builds from the working directory, which is the project's root); relative Dockerfile paths start there. <see cref="WorkingDirectory"/>: where the deployments' pull step expects the
/// app inside the image (SDK builds put it there).</summary>
public sealed record ImageBuildRequest(
    PlannedImage Image,
    string ContextDirectory,
    string? ProjectFile,
    IReadOnlyList<string> Tags,
    Func<string, string?> Environment,
    RegistryAccessOptions Access,
    IProgress<string>? Progress = null,
    string? WorkingDirectory = null)
{
    /// <summary>The image name parsed into registry and repository.</summary>
    public ImageName Name => ImageName.TryParse(Image.ImageName, out _) ?? throw new InvalidOperationException($"'{Image.ImageName}' was validated as an image name when planned");
}
