namespace Flows.Deploy.Building;

/// <summary>
/// Builds one planned image and pushes it under its tags. Two kinds, chosen by the image step's <c>dockerfile</c>:
/// <c>auto</c> is the .NET SDK's container publish of the project (<c>SdkContainerImageBuilder</c>); a path is a
/// Docker Engine build of that Dockerfile (<c>Flows.Deploy.Docker.DockerfileImageBuilder</c>).
/// </summary>
public interface IImageBuilder
{
    /// <summary>Whether this builder builds <paramref name="request"/>'s image.</summary>
    bool Builds(ImageBuildRequest request);

    /// <summary>Builds, tags with every <see cref="ImageBuildRequest.Tags"/>, pushes; returns the pushed manifest's digest.
    /// Failures are <see cref="Diagnostics.DeployException"/>s with a code and a fix; secrets never appear in them.</summary>
    Task<BuiltImage> BuildAndPushAsync(ImageBuildRequest request, CancellationToken cancellationToken = default);
}
