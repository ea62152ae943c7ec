using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Flows.Deploy.Publishing;

/// <summary>
/// The OCI image layout tarball the SDK writes with <c>ContainerArchiveOutputPath</c>: <c>index.json</c> → one image
/// manifest → config and layers under <c>blobs/sha256/</c>. Read into memory once (a .NET app image is tens of MB); every
/// blob is checked against its digest, so what is pushed is exactly what the SDK built.
/// </summary>
public sealed class OciArchive
{
    private readonly Dictionary<string, byte[]> _blobs;

    private OciArchive(Dictionary<string, byte[]> blobs, string manifestDigest, string manifestMediaType, IReadOnlyList<string> layerDigests, string configDigest)
    {
        _blobs = blobs;
        ManifestDigest = manifestDigest;
        ManifestMediaType = manifestMediaType;
        LayerDigests = layerDigests;
        ConfigDigest = configDigest;
    }

    public string ManifestDigest { get; }

    public string ManifestMediaType { get; }

    public string ConfigDigest { get; }

    public IReadOnlyList<string> LayerDigests { get; }

    public ReadOnlyMemory<byte> Manifest => _blobs[ManifestDigest];

    public ReadOnlyMemory<byte> Blob(string digest) => _blobs[digest];

    public static async Task<OciArchive> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            var reader = new TarReader(stream);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.GetNextEntryAsync(cancellationToken: cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    if (entry.DataStream is null)
                    {
                        continue;
                    }

                    using var buffer = new MemoryStream();
                    await entry.DataStream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                    files[entry.Name.TrimStart('.', '/')] = buffer.ToArray();
                }
            }
        }

        var blobs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (name, bytes) in files.Where(f => f.Key.StartsWith("blobs/", StringComparison.Ordinal)))
        {
            var parts = name.Split('/');
            var digest = $"{parts[1]}:{parts[2]}";
            if (parts[1] != "sha256" || Convert.ToHexStringLower(SHA256.HashData(bytes)) != parts[2])
            {
                throw Invalid(path, $"blob {name} does not match its digest");
            }

            blobs[digest] = bytes;
        }

        var index = files.TryGetValue("index.json", out var indexBytes) ? JsonNode.Parse(indexBytes) : null;
        // One entry per tag, all naming the same manifest.
        var manifests = index?["manifests"] as JsonArray ?? [];
        var digests = manifests.Select(m => m?["digest"]?.GetValue<string>()).Distinct(StringComparer.Ordinal).ToList();
        if (digests is not [{ } manifestDigest] || !blobs.TryGetValue(manifestDigest, out var manifestBytes))
        {
            throw Invalid(path, "index.json does not name exactly one image manifest present in the archive");
        }

        var manifest = JsonNode.Parse(manifestBytes)!;
        var mediaType = manifest["mediaType"]?.GetValue<string>() ?? manifests[0]!["mediaType"]?.GetValue<string>() ?? "application/vnd.oci.image.manifest.v1+json";
        var config = manifest["config"]?["digest"]?.GetValue<string>() ?? throw Invalid(path, "the manifest has no config");
        var layers = (manifest["layers"] as JsonArray ?? []).Select(l => l?["digest"]?.GetValue<string>() ?? throw Invalid(path, "a layer has no digest")).ToList();
        foreach (var digest in layers.Append(config).Where(d => !blobs.ContainsKey(d)))
        {
            throw Invalid(path, $"blob {digest} named by the manifest is missing");
        }

        return new OciArchive(blobs, manifestDigest, mediaType, layers, config);
    }

    private static RegistryException Invalid(string path, string problem) =>
        new(PublishDiagnosticCodes.ArchiveInvalid, $"the image archive '{path}' is not a usable OCI layout: {problem}", "Delete it and publish again.");
}
