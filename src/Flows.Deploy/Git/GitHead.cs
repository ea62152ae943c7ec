namespace Flows.Deploy.Git;

/// <summary>The commit HEAD points at, and the branch when HEAD is not detached.</summary>
public sealed record GitHead(string Sha, string? Branch)
{
    /// <summary>The first 7 hex digits: <c>git rev-parse --short</c> on any repository under ~16k objects (git
    /// lengthens its abbreviation only when a repository grows past that).</summary>
    public string ShortSha => Sha[..7];
}
