using System.Reflection;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Publishing;

namespace Flows.Build.Tests.Unit;

public sealed class DiagnosticCodeTests
{
    private static IEnumerable<string> Codes(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetValue(null)!);

    [Fact]
    public void Publish_codes_are_unique_in_their_range_and_do_not_reuse_engine_codes()
    {
        var publish = Codes(typeof(PublishDiagnosticCodes)).ToList();
        Assert.Equal(publish.Count, publish.Distinct().Count());
        Assert.All(publish, c => Assert.Matches("^FLOWS35[0-9]{2}$", c));
        Assert.Empty(publish.Intersect(Codes(typeof(DiagnosticCodes))));
        // The targets file reports three codes itself (before any task can load): they must be the same constants.
        var targets = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "build", "Flows.Build.targets"));
        Assert.Contains($"Code=\"{PublishDiagnosticCodes.MSBuildTooOld}\"", targets, StringComparison.Ordinal);
        Assert.Contains($"Code=\"{PublishDiagnosticCodes.NotAnExe}\"", targets, StringComparison.Ordinal);
        Assert.Contains($"Code=\"{PublishDiagnosticCodes.AotNotLinuxX64}\"", targets, StringComparison.Ordinal);
    }
}
