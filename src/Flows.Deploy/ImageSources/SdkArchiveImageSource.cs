using Flows.Deploy.Diagnostics;
using Flows.Deploy.Planning;
using Flows.Deploy.Publishing;

namespace Flows.Deploy.ImageSources;

/// <summary>
/// <c>dotnet publish -p:DeployFlows=true</c>: the SDK's <c>PublishContainer</c> writes the project's one image as an OCI
/// archive between the two Flows tasks, and the second hands it over with <see cref="HandOver"/>. The digest the SDK
/// reported (<c>$(GeneratedContainerDigest)</c>) must be the archive's.
/// </summary>
public sealed class SdkArchiveImageSource : IImageSource
{
    private string? _archivePath;
    private string? _generatedDigest;

    /// <summary>The project publishes one image, whatever its step's <c>dockerfile</c> says: the SDK builds it.</summary>
    public bool Takes(PlannedImage image) => true;

    /// <summary>archivePath: <c>$(GeneratedArchiveOutputPath)</c>; generatedDigest: <c>$(GeneratedContainerDigest)</c>.</summary>
    public void HandOver(string? archivePath, string? generatedDigest)
    {
        _archivePath = archivePath;
        _generatedDigest = generatedDigest;
    }

    public async Task<ObtainedImage> ObtainAsync(ImageBuildRequest request, CancellationToken cancellationToken = default)
    {
        if (_archivePath is null || !File.Exists(_archivePath))
        {
            throw new DeployException([new DeployDiagnostic(PublishDiagnosticCodes.ArchiveInvalid, true, $"the SDK wrote no image archive (expected '{_archivePath}')",
                "Check that PublishContainer ran (EnableSdkContainerSupport must not be false).")], badInput: false);
        }

        var archive = await OciArchive.ReadAsync(_archivePath, cancellationToken).ConfigureAwait(false);
        if (_generatedDigest is { Length: > 0 } && _generatedDigest != archive.ManifestDigest)
        {
            throw new DeployException([new DeployDiagnostic(PublishDiagnosticCodes.DigestMismatch, true,
                $"the archive's manifest is {archive.ManifestDigest} but the SDK reported {_generatedDigest}", "Delete the archive and publish again.")], badInput: false);
        }

        return new ArchivedImage(archive);
    }
}
