using System.Text.Json.Nodes;
using static Flows.Cli.Tests.CliTestHelper;

namespace Flows.Cli.Tests.Commands;

/// <summary>
/// <c>deploy</c> builds the project first, as <c>dotnet run</c> and <c>dotnet test</c> do (<c>--no-build</c> skips it:
/// DeployCommandTests). These build src/Flows in Release as a project reference, so they share the collection of the
/// other tests that build it.
/// </summary>
[Collection(SampleHelloBuilds.Name)]
public sealed class DeployBuildTests
{
    [Fact]
    public async Task ADryRunBuildsTheProjectFirstAndPlansFromWhatItCompiled()
    {
        // A project never built: without the implicit build the plan stops with FLOWS1304.
        var dir = FlowProject("public static class F { /// <summary>Greets.</summary>\n [Flows.Flow] public static void Greet(string name = \"x\") { } }");
        var (exit, output, error) = await RunAsync("deploy", "--all", "--dry-run", "-o", "json", "--project", dir);
        Assert.True(exit == ExitCodes.Ok, $"exit {exit}\n{output}\n{error}");
        Assert.Contains("Building ", error, StringComparison.Ordinal);
        var body = JsonNode.Parse(output)!["deployments"]![0]!["body"]!;
        Assert.Equal("F.cs:greet", body["entrypoint"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(dir, "obj", "Release", "net10.0", "app.dll")));
    }

    [Fact]
    public async Task AFailingImplicitBuildNamesTheProjectAndQuotesTheCompilerError()
    {
        var dir = FlowProject("public static class F { this is not C# }");
        var (exit, output, error) = await RunAsync("deploy", "--all", "--dry-run", "--project", dir);
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Matches(@"app\.csproj: error FLOWS3594: building .*app\.csproj failed \(dotnet build, exit code 1\): .*error CS", error);
        Assert.Equal("", output);
    }
}
