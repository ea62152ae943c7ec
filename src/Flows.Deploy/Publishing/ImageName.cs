namespace Flows.Deploy.Publishing;

/// <summary>A destination image <c>registry/repository</c> (no tag), as <c>image_name</c> and <c>PREFECT_IMAGE_NAME</c>
/// hold it. The registry must be explicit: a Docker Hub default would silently push somewhere the user did not mean.</summary>
public sealed record ImageName(string Registry, string Repository)
{
    public override string ToString() => $"{Registry}/{Repository}";

    /// <summary><c>registry/repository:tag@digest</c>, the reference deployments pin.</summary>
    public string Reference(string tag, string? digest = null) => digest is null ? $"{this}:{tag}" : $"{this}:{tag}@{digest}";

    /// <summary>Parses <c>host[:port]/path</c>; a trailing <c>:tag</c> is refused (the tag comes from the commit).</summary>
    public static ImageName? TryParse(string text, out string? problem)
    {
        problem = null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var host = slash > 0 ? text[..slash] : "";
        if (slash <= 0 || !(host.Contains('.', StringComparison.Ordinal) || host.Contains(':', StringComparison.Ordinal) || host == "localhost"))
        {
            problem = $"'{text}' names no registry host";
            return null;
        }

        var repository = text[(slash + 1)..];
        if (repository.Contains('@', StringComparison.Ordinal) || repository.Contains(':', StringComparison.Ordinal))
        {
            problem = $"'{text}' carries a tag or digest; the tag is the commit's";
            return null;
        }

        // The distribution spec's repository grammar: lowercase path components of [a-z0-9] joined by . _ __ -.
        var ok = repository.Length > 0 && repository.Split('/').All(c => c.Length > 0
            && char.IsAsciiLetterLower(c[0]) | char.IsAsciiDigit(c[0])
            && c.All(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch is '.' or '_' or '-'));
        if (!ok)
        {
            problem = $"'{repository}' is not a valid repository name (lowercase letters, digits, '.', '_', '-', '/')";
            return null;
        }

        return new ImageName(host, repository);
    }
}
