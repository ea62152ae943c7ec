using System.Text.Json.Nodes;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Loading;

namespace Flows.Deploy.Tests.Loading;

public class YamlDocumentLoaderTests
{
    [Fact]
    public void TheHelloSampleLoadsWithAnchorsExpanded()
    {
        var path = Path.Combine(FindRepoRoot(), "samples", "hello", "prefect.yaml");
        var doc = YamlDocumentLoader.Load(path, File.ReadAllText(path));
        var deployments = doc.Root!["deployments"]!.AsArray();
        Assert.Equal(2, deployments.Count);
        Assert.Equal("kubernetes", deployments[1]!["work_pool"]!["name"]!.GetValue<string>());
        Assert.Equal("{{ get-commit-hash.stdout }}", deployments[1]!["tags"]![1]!.GetValue<string>());
        Assert.Null(deployments[0]!["schedule"]);
        Assert.Equal(42, doc.PositionOf("/deployments/0/name").Line);
    }

    [Fact]
    public void MergeKeysLetExplicitKeysWin()
    {
        var doc = YamlDocumentLoader.Load("x.yaml", "base: &b {a: 1, b: 2}\nd:\n  <<: *b\n  b: 3\n");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":1,"b":3}"""), doc.Root!["d"]));
    }

    [Fact]
    public void BillionLaughsFailsCleanly()
    {
        var yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + string.Join("\n", Enumerable.Range(1, 9).Select(i => $"{(char)('a' + i)}: &{(char)('a' + i)} [*{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}]"));
        var ex = Assert.Throws<DeployException>(() => YamlDocumentLoader.Load("x.yaml", yaml));
        Assert.Equal(DiagnosticCodes.YamlInvalid, Assert.Single(ex.Diagnostics).Code);
    }

    [Fact]
    public void SyntaxErrorsNameFileLineAndColumn()
    {
        var ex = Assert.Throws<DeployException>(() => YamlDocumentLoader.Load("p.yaml", "a: [1, 2\nb: c"));
        var d = Assert.Single(ex.Diagnostics);
        Assert.StartsWith("p.yaml(", d.ToString(), StringComparison.Ordinal);
        Assert.True(d.Line > 0);
    }

    [Fact]
    public void RandomYamlOnlyFailsCleanly()
    {
        var random = new Random(42);
        string[] tokens = ["a", ": ", "\n", "  ", "- ", "&x ", "*x", "<<: ", "[", "]", "{", "}", ", ", "'", "\"", "#", "|", ">", "1", "true", "~", "---\n", "?", "!!str "];
        for (var i = 0; i < 3000; i++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(30)).Select(_ => tokens[random.Next(tokens.Length)]));
            try
            {
                YamlDocumentLoader.Load("r.yaml", text);
            }
            catch (DeployException ex)
            {
                Assert.All(ex.Diagnostics, d => Assert.StartsWith("FLOWS1", d.Code, StringComparison.Ordinal));
            }
        }
    }

    internal static string FindRepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Deploy.Build.sln")))
        {
            dir = Path.GetDirectoryName(dir)!;
        }

        return dir;
    }
}
