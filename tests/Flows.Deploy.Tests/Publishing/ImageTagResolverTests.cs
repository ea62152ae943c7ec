using Flows.Deploy.Diagnostics;
using Flows.Deploy.Publishing;

namespace Flows.Deploy.Tests.Publishing;

public sealed class ImageTagResolverTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";
    private static readonly Func<string, string?> NoEnv = _ => null;

    [Fact]
    public void Clean_tree_is_the_short_sha()
    {
        var warnings = new List<DeployDiagnostic>();
        var tag = ImageTagResolver.Resolve(Sha, false, false, NoEnv, warnings);
        Assert.Equal("0123456", tag.Tag);
        Assert.False(tag.Dirty);
        Assert.Empty(warnings);
    }

    [Fact]
    public void Dirty_tree_gets_the_suffix_and_a_warning()
    {
        var warnings = new List<DeployDiagnostic>();
        var tag = ImageTagResolver.Resolve(Sha, true, false, NoEnv, warnings);
        Assert.Equal("0123456-dirty", tag.Tag);
        Assert.Equal(PublishDiagnosticCodes.DirtyTree, Assert.Single(warnings).Code);
    }

    [Fact]
    public void Dirty_tree_is_an_error_when_a_clean_tree_is_required()
    {
        var e = Assert.Throws<DeployException>(() => ImageTagResolver.Resolve(Sha, true, true, NoEnv, []));
        Assert.Equal(PublishDiagnosticCodes.DirtyTreeRefused, Assert.Single(e.Diagnostics).Code);
    }

    [Theory]
    [InlineData("GITHUB_SHA")]
    [InlineData("CI_COMMIT_SHA")]
    public void Without_a_repository_a_CI_variable_gives_the_sha(string variable)
    {
        var tag = ImageTagResolver.Resolve("", null, true, v => v == variable ? Sha.ToUpperInvariant() : null, []);
        Assert.Equal("0123456", tag.Tag);
        Assert.Equal(variable, tag.Source);
    }

    [Fact]
    public void No_sha_anywhere_is_a_coded_error()
    {
        var e = Assert.Throws<DeployException>(() => ImageTagResolver.Resolve(null, null, false, v => v == "GITHUB_SHA" ? "not-a-sha" : null, []));
        Assert.Equal(PublishDiagnosticCodes.NoCommit, Assert.Single(e.Diagnostics).Code);
    }
}
