using Flows.Deploy.Docker;

namespace Flows.Deploy.Tests.Docker;

/// <summary>The cases of Docker's .dockerignore documentation and moby/patternmatcher's own tests.</summary>
public class DockerIgnoreTests
{
    private static DockerIgnore Ignore(params string[] lines) => DockerIgnore.Parse(string.Join('\n', lines));

    [Theory]
    // the documentation's example file
    [InlineData("somedir/temporary.txt", true)]
    [InlineData("somedir/temp", true)]
    [InlineData("somedir/temp/inside.txt", true)] // the directory matched, so everything in it
    [InlineData("somedir/subdir/temporary.txt", true)]
    [InlineData("tempa", true)]
    [InlineData("tempb", true)]
    [InlineData("temporary.txt", false)] // */temp* needs one directory level
    [InlineData("temp", false)] // temp? needs one more character
    [InlineData("a/b/c/temp.txt", false)]
    public void TheDocumentedExample(string path, bool excluded)
    {
        var ignore = Ignore("# comment", "*/temp*", "*/*/temp*", "temp?");
        Assert.Equal(excluded, ignore.IsExcluded(path));
    }

    [Theory]
    [InlineData("main.go", true)]
    [InlineData("a/main.go", true)]
    [InlineData("a/b/c/main.go", true)]
    [InlineData("main.goo", false)]
    [InlineData("a/go", false)]
    public void DoubleStarMatchesAnyNumberOfDirectoriesIncludingNone(string path, bool excluded) =>
        Assert.Equal(excluded, Ignore("**/*.go").IsExcluded(path));

    [Fact]
    public void TheLastMatchingLineWins()
    {
        var readmeKept = Ignore("*.md", "!README*.md", "README-secret.md");
        Assert.True(readmeKept.IsExcluded("CHANGES.md"));
        Assert.False(readmeKept.IsExcluded("README.md"));
        Assert.True(readmeKept.IsExcluded("README-secret.md"));

        var secretKept = Ignore("*.md", "README-secret.md", "!README*.md");
        Assert.False(secretKept.IsExcluded("README-secret.md"));
        Assert.True(secretKept.HasExceptions);
    }

    [Fact]
    public void AnExceptionBringsBackAFileInsideAnExcludedDirectory()
    {
        var ignore = Ignore("docs", "!docs/keep.md");
        Assert.True(ignore.IsExcluded("docs"));
        Assert.True(ignore.IsExcluded("docs/other.md"));
        Assert.False(ignore.IsExcluded("docs/keep.md"));
    }

    [Theory]
    [InlineData("/foo/bar", "foo/bar")]
    [InlineData("./foo/../bar//baz/", "bar/baz")]
    [InlineData("  spaced  ", "spaced")]
    [InlineData("! /rooted", "!rooted")]
    public void PatternsAreTrimmedCleanedAndLoseALeadingSlash(string line, string pattern) =>
        Assert.Equal(pattern, Assert.Single(Ignore(line).Patterns));

    [Fact]
    public void CommentsAndBlankLinesAreSkippedButAHashInsideAPatternIsLiteral()
    {
        var ignore = Ignore("\uFEFF# a comment after a byte order mark", "", "   ", "foo#bar");
        Assert.Equal(["foo#bar"], ignore.Patterns);
        Assert.True(ignore.IsExcluded("foo#bar"));
    }

    [Fact]
    public void DirectoryPatternsCoverEverythingBelowThem()
    {
        var ignore = Ignore("node_modules", "bin/", "logs/**");
        Assert.True(ignore.IsExcluded("node_modules/a/b.js"));
        Assert.True(ignore.IsExcluded("bin/Release/app.dll"));
        Assert.True(ignore.IsExcluded("logs/2024/x.log"));
        Assert.False(ignore.IsExcluded("src/node_modules_readme.txt"));
        Assert.False(ignore.IsExcluded("src/bin/x")); // not anchored below the root: Docker's patterns start at the context root
    }

    [Fact]
    public void QuestionMarksClassesAndEscapesFollowFilepathMatch()
    {
        Assert.True(Ignore("file?.txt").IsExcluded("file1.txt"));
        Assert.False(Ignore("file?.txt").IsExcluded("file/.txt"));
        Assert.True(Ignore("[a-c].log").IsExcluded("b.log"));
        Assert.False(Ignore("[a-c].log").IsExcluded("d.log"));
        Assert.True(Ignore("[^a-c].log").IsExcluded("d.log"));
        Assert.True(Ignore(@"star\*").IsExcluded("star*"));
        Assert.False(Ignore(@"star\*").IsExcluded("starry"));
        Assert.True(Ignore("a.b").IsExcluded("a.b"));
        Assert.False(Ignore("a.b").IsExcluded("axb")); // '.' is literal, not a regex wildcard
    }

    [Fact]
    public void KeepingAddsAnExceptionOnlyWhenNeeded()
    {
        var ignore = Ignore("*", "!src");
        Assert.True(ignore.IsExcluded("Dockerfile"));
        var kept = ignore.Keeping("Dockerfile").Keeping(".dockerignore");
        Assert.False(kept.IsExcluded("Dockerfile"));
        Assert.False(kept.IsExcluded(".dockerignore"));
        Assert.True(kept.IsExcluded("other"));
        Assert.Same(DockerIgnore.Empty, DockerIgnore.Empty.Keeping("Dockerfile"));
    }

    [Fact]
    public void ABadPatternNamesItsLine()
    {
        var e = Assert.Throws<FormatException>(() => Ignore("ok", "[unterminated"));
        Assert.Contains("line 2", e.Message);
    }
}
