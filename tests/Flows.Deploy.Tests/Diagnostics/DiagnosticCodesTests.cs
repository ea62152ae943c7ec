using System.Reflection;
using Flows.Deploy.Diagnostics;

namespace Flows.Deploy.Tests.Diagnostics;

public class DiagnosticCodesTests
{
    [Fact]
    public void CodesAreUniqueAndInTheDeployRange()
    {
        var codes = typeof(DiagnosticCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToList();
        Assert.Equal(codes.Count, codes.Distinct().Count());
        Assert.All(codes, c => Assert.Matches("^FLOWS1[0-9]{3}$", c));
    }

    [Fact]
    public void EveryCodeClassInTheAssemblyTogetherHasNoDuplicate()
    {
        // Codes live in several classes (deploy, publish, ECR, Docker, image builds); one number must mean one thing.
        var classes = typeof(DiagnosticCodes).Assembly.GetTypes().Where(t => t.IsAbstract && t.IsSealed && t.Name.EndsWith("DiagnosticCodes", StringComparison.Ordinal)).ToList();
        Assert.True(classes.Count >= 4, string.Join(", ", classes.Select(c => c.Name)));
        var codes = classes.SelectMany(c => c.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => ($"{c.Name}.{f.Name}", (string)f.GetValue(null)!))).ToList();
        var duplicates = codes.GroupBy(c => c.Item2).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(x => x.Item1))}").ToList();
        Assert.True(duplicates.Count == 0, string.Join("; ", duplicates));
    }

    [Fact]
    public void PrintsMsBuildCanonicalForm()
    {
        var d = new DeployDiagnostic("FLOWS1101", true, "environment variable 'X' is not set", "Set X.", "prefect.yaml", 12, 5);
        Assert.Equal("prefect.yaml(12,5): error FLOWS1101: environment variable 'X' is not set. Set X.", d.ToString());
    }
}
