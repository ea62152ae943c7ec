namespace Flows.Workers.Docker;

/// <summary>
/// An image reference split the way the Docker Engine reads it: <c>[registry/]repository[:tag][@digest]</c>.
/// The registry is the first path part only when it looks like a host (has a dot or a port, or is
/// <c>localhost</c>); otherwise the image is on Docker Hub, as <c>docker pull</c> decides.
/// </summary>
public sealed record ImageReference(string Registry, string Repository, string? Tag, string? Digest)
{
    /// <summary>Docker Hub's registry host, the default for references without one.</summary>
    public const string DockerHub = "docker.io";

    /// <summary>What to pull: the digest when pinned (it wins over the tag), else the tag, else <c>latest</c>.</summary>
    public string PullTag => Digest ?? Tag ?? "latest";

    /// <summary>The repository as the Engine's <c>fromImage</c> expects it (with the registry when not Docker Hub).</summary>
    public string FromImage => Registry == DockerHub ? Repository : $"{Registry}/{Repository}";

    /// <summary>Untagged and <c>:latest</c> references move, so Prefect's default policy pulls them every time.</summary>
    public bool IsMoving => Digest is null && (Tag is null || Tag == "latest");

    public static ImageReference Parse(string image)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(image);
        string? digest = null;
        var rest = image.Trim();
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
        }

        string? tag = null;
        var lastSlash = rest.LastIndexOf('/');
        var colon = rest.LastIndexOf(':');
        if (colon > lastSlash)
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
        }

        var registry = DockerHub;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            var first = rest[..slash];
            if (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost")
            {
                registry = first;
                rest = rest[(slash + 1)..];
            }
        }

        return new ImageReference(registry, rest, tag, digest);
    }
}
