using Flows.Deploy.Diagnostics;

namespace Flows.Deploy.Publishing;

/// <summary>The commit an image is tagged with: short SHA, <c>-dirty</c> when tracked files differ from HEAD.</summary>
public sealed record ImageTag(string Tag, string Sha, bool Dirty, string Source);

/// <summary>Decides the image tag from what the build knows. Pure: inputs in, tag or coded problems out.</summary>
public static class ImageTagResolver
{
    /// <summary>CI systems' commit variables, consulted only when there is no repository (e.g. a source tarball build).</summary>
    public static IReadOnlyList<string> CiShaVariables { get; } =
        ["GITHUB_SHA", "CI_COMMIT_SHA", "BUILD_SOURCEVERSION", "GIT_COMMIT", "CIRCLE_SHA1", "BITBUCKET_COMMIT", "TRAVIS_COMMIT", "BUILDKITE_COMMIT", "CODEBUILD_RESOLVED_SOURCE_VERSION"];

    public const int ShortLength = 7;

    /// <summary>sourceRevisionId: MSBuild's <c>$(SourceRevisionId)</c>; dirty: null when unknown (no git, no repository);
    /// environment: for the CI variables; warnings: receives the dirty-tree warning.</summary>
    public static ImageTag Resolve(string? sourceRevisionId, bool? dirty, bool requireCleanTree, Func<string, string?> environment, List<DeployDiagnostic> warnings)
    {
        string sha;
        string source;
        if (IsSha(sourceRevisionId))
        {
            sha = sourceRevisionId!.ToLowerInvariant();
            source = "git";
        }
        else if (CiShaVariables.Select(v => (Name: v, Value: environment(v))).FirstOrDefault(p => IsSha(p.Value)) is { Value: not null } ci)
        {
            sha = ci.Value.ToLowerInvariant();
            source = ci.Name;
            dirty = null; // a CI checkout's tree is what the CI system says it is
        }
        else
        {
            throw new DeployException([new DeployDiagnostic(PublishDiagnosticCodes.NoCommit, true,
                "no commit to tag the image with: the project is not in a git repository with a commit, and no CI commit variable (" + string.Join(", ", CiShaVariables.Take(3)) + ", …) is set",
                "Build from a git checkout with at least one commit, or set GITHUB_SHA/CI_COMMIT_SHA to the commit being built.")]);
        }

        var tag = sha[..ShortLength];
        if (dirty == true)
        {
            if (requireCleanTree)
            {
                throw new DeployException([new DeployDiagnostic(PublishDiagnosticCodes.DirtyTreeRefused, true,
                    $"the working tree has uncommitted changes to tracked files and FlowsRequireCleanTree is true (HEAD {tag})",
                    "Commit or stash the changes (git status shows them), or set FlowsRequireCleanTree=false to publish '" + tag + "-dirty'.")]);
            }

            tag += "-dirty";
            warnings.Add(new DeployDiagnostic(PublishDiagnosticCodes.DirtyTree, false,
                $"the working tree has uncommitted changes; the image is tagged '{tag}' and does not match commit {sha[..ShortLength]}",
                "Commit the changes to get a reproducible tag, or set FlowsRequireCleanTree=true to refuse this."));
        }

        return new ImageTag(tag, sha, dirty == true, source);
    }

    private static bool IsSha(string? value) => value is { Length: >= 40 and <= 64 } && value.All(char.IsAsciiHexDigit);
}
