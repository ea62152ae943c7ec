using System.Text.Json.Nodes;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Selection;

namespace Flows.Deploy.Tests.Selection;

/// <summary>Every case in reference/prefect/conformance/name-matching.json.</summary>
public class NameMatchingConformanceTests
{
    private static readonly JsonObject Doc = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "name-matching.json")))!.AsObject();

    public static TheoryData<int> Cases() => new(Enumerable.Range(0, Doc["cases"]!.AsArray().Count));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case(int index)
    {
        var c = Doc["cases"]![index]!;
        var deployments = Doc["deployments"]!.AsArray().Select(d => new DeploymentKey(d!["flow"]!.GetValue<string>(), d["name"]!.GetValue<string>())).ToList();
        var patterns = c["patterns"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        if (c["error"] is { } error)
        {
            var ex = Assert.Throws<DeployException>(() => DeploymentSelector.Select(deployments, d => d, patterns));
            Assert.Contains(error.GetValue<string>(), ex.Message, StringComparison.Ordinal);
            Assert.All(ex.Diagnostics, d => Assert.Equal(DiagnosticCodes.NoDeploymentMatches, d.Code));
        }
        else
        {
            var selected = DeploymentSelector.Select(deployments, d => d, patterns).Select(d => d.ToString());
            Assert.Equal(c["expect"]!.AsArray().Select(e => e!.GetValue<string>()), selected);
        }
    }
}
