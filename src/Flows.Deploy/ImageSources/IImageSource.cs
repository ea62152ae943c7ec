using Flows.Deploy.Planning;
using Flows.Deploy.Publishing;

namespace Flows.Deploy.ImageSources;

/// <summary>
/// Where the deploy engine obtains one planned image from: the SDK's OCI archive that <c>dotnet publish</c> hands over
/// (<see cref="SdkArchiveImageSource"/>), the SDK container build the CLI runs (<see cref="SdkContainerImageSource"/>),
/// or a Dockerfile built by the Docker Engine (<c>Flows.Deploy.Docker.DockerfileImageBuilder</c>). Reusing a tag the
/// registry already has is the engine's decision, made before any source is asked.
/// </summary>
public interface IImageSource
{
    /// <summary>Whether this source makes <paramref name="image"/> (e.g. <c>dockerfile: auto</c> or a Dockerfile path).</summary>
    bool Takes(PlannedImage image);

    /// <summary>Makes the image. Failures are <see cref="Diagnostics.DeployException"/>s with a code and a fix.</summary>
    Task<ObtainedImage> ObtainAsync(ImageBuildRequest request, CancellationToken cancellationToken = default);
}

/// <summary>What a source gave: an archive for the engine to push, or an image its builder already pushed.</summary>
public abstract record ObtainedImage;

/// <summary>An OCI image layout the engine pushes (<see cref="ImagePusher"/>: blobs already there skipped, 429/5xx retried).</summary>
public sealed record ArchivedImage(OciArchive Archive) : ObtainedImage;

/// <summary>An image the Docker Engine built and pushed itself (its push is the Engine's).</summary>
public sealed record EnginePushedImage(BuiltImage Image) : ObtainedImage;
