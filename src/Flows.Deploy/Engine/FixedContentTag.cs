using Flows.Deploy.Git;
using Flows.Deploy.Publishing;

namespace Flows.Deploy.Engine;

/// <summary>
/// The one rule for reusing a tag the registry already has: only a tag that names fixed content, i.e. the SHA (short or
/// full) of a clean commit, is reused, because the SDK's images are not byte-reproducible and a registry with immutable
/// tags (ECR's can be) refuses a second push. A <c>-dirty</c> tag, <c>latest</c> or a file's own version tag is always
/// made and pushed again.
/// </summary>
public static class FixedContentTag
{
    /// <summary>commit: the commit the caller tagged with (MSBuild path), trusted as it says; else the tag is compared with
    /// the HEAD of the repository holding <paramref name="directory"/>, which must be clean.</summary>
    public static async Task<bool> IsFixedAsync(string tag, ImageTag? commit, string directory, CancellationToken cancellationToken = default)
    {
        if (commit is not null && tag == commit.Tag)
        {
            return !commit.Dirty;
        }

        if (tag.Length < 7 || !tag.All(char.IsAsciiHexDigit) || GitRepository.FindGitDirectory(directory) is null)
        {
            return false;
        }

        try
        {
            var head = GitRepository.ReadHead(directory);
            return head.Sha.StartsWith(tag, StringComparison.OrdinalIgnoreCase)
                && await GitRepository.IsDirtyAsync(directory, cancellationToken).ConfigureAwait(false) == false;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
