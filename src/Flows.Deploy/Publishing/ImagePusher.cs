using Microsoft.Extensions.Logging;

namespace Flows.Deploy.Publishing;

/// <summary>What a push did: the manifest digest, and how many blobs were sent versus already there.</summary>
public sealed record PushResult(string Digest, bool Skipped, int BlobsUploaded, int BlobsPresent, long BytesUploaded);

/// <summary>
/// Pushes an SDK-built OCI archive to a registry under several tags. The first tag is the commit tag: when the registry
/// already has it, nothing is pushed and its digest is reused (safe for repositories with immutable tags, as ECR's
/// can be; and it keeps an unchanged commit from producing a new digest, since the SDK's images are not reproducible).
/// </summary>
public sealed class ImagePusher(IRegistryClient registry, ILogger logger)
{
    /// <summary>Checks whether <paramref name="tag"/> exists; returns its digest or null.</summary>
    public Task<string?> FindExistingAsync(string repository, string tag, CancellationToken cancellationToken = default) =>
        registry.HeadManifestAsync(repository, tag, cancellationToken);

    public async Task<PushResult> PushAsync(OciArchive archive, string repository, IReadOnlyList<string> tags, CancellationToken cancellationToken = default)
    {
        int uploaded = 0, present = 0;
        long bytes = 0;
        foreach (var digest in archive.LayerDigests.Append(archive.ConfigDigest).Distinct(StringComparer.Ordinal))
        {
            if (await registry.BlobExistsAsync(repository, digest, cancellationToken).ConfigureAwait(false))
            {
                present++;
                continue;
            }

            var blob = archive.Blob(digest);
            logger.LogInformation("Uploading {Digest} ({Size:0.0} MB) to {Registry}/{Repository}", digest, blob.Length / 1048576.0, registry.Registry, repository);
            await registry.UploadBlobAsync(repository, digest, blob, cancellationToken).ConfigureAwait(false);
            uploaded++;
            bytes += blob.Length;
        }

        string? digestSeen = null;
        foreach (var tag in tags)
        {
            var pushed = await registry.PutManifestAsync(repository, tag, archive.ManifestMediaType, archive.Manifest, cancellationToken).ConfigureAwait(false);
            if (pushed != archive.ManifestDigest)
            {
                throw new RegistryException(PublishDiagnosticCodes.DigestMismatch,
                    $"registry {registry.Registry} stored manifest '{repository}:{tag}' as {pushed}, but the SDK built {archive.ManifestDigest}",
                    "The registry rewrote the manifest; pin deployments by tag or use a registry that stores manifests as sent.");
            }

            digestSeen = pushed;
        }

        return new PushResult(digestSeen ?? archive.ManifestDigest, false, uploaded, present, bytes);
    }
}
