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
    public void PrintsMsBuildCanonicalForm()
    {
        var d = new DeployDiagnostic("FLOWS1101", true, "environment variable 'X' is not set", "Set X.", "prefect.yaml", 12, 5);
        Assert.Equal("prefect.yaml(12,5): error FLOWS1101: environment variable 'X' is not set. Set X.", d.ToString());
    }
}
