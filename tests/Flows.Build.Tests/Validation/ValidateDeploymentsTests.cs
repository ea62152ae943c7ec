using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Flows.Build.Tests.Publishing;

namespace Flows.Build.Tests.Validation;

/// <summary><c>dotnet build</c> and design-time builds of a project consuming the packed package: FlowsValidateDeployments
/// reports prefect.yaml problems at file(line,col), runs no step, asks no server, and does nothing when nothing changed.</summary>
[Collection(BuildCollection.Name)]
public sealed class ValidateDeploymentsTests(BuildFixture fixture, ITestOutputHelper output)
{
    private const string SkippedUpToDate = "Skipping target \"FlowsValidateDeployments\" because all output files are up-to-date";

    // What an IDE's design-time build asks for (Visual Studio's CompileDesignTime target is not in the SDK; it runs
    // CoreCompile with these properties).
    private static readonly string[] DesignTime =
        ["msbuild", "hello.csproj", "-t:ResolveAssemblyReferences;CoreCompile", "-p:DesignTimeBuild=true", "-p:SkipCompilerExecution=true",
         "-p:ProvideCommandLineArgs=true", "-p:BuildingProject=false", "-v:m"];

    private static string SampleYaml => File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "samples", "hello", "prefect.yaml"));

    private async Task<PublishRun> Run(SampleProject project, string what, IDictionary<string, string?>? environment, params string[] args)
    {
        var env = new Dictionary<string, string?> { ["PREFECT_IMAGE_NAME"] = null, ["PREFECT_API_URL"] = null, ["PREFECT_API_KEY"] = null };
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>())
        {
            env[k] = v;
        }

        var watch = Stopwatch.StartNew();
        var (code, text) = await Dotnet.RunAsync(project.Directory, env, args);
        var run = new PublishRun(code, text, watch.Elapsed);
        output.WriteLine($"--- {what}: exit {run.ExitCode}, {run.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine(run.Output);
        return run;
    }

    private Task<PublishRun> Build(SampleProject project, string what, IDictionary<string, string?>? environment = null, params string[] properties) =>
        Run(project, what, environment, ["build", "hello.csproj", "-v:m", "-p:UseSharedCompilation=false", .. properties.Select(p => "-p:" + p)]);

    /// <summary>"prefect.yaml(line,col)" of the first occurrence of <paramref name="text"/> (1-based, as compilers print).</summary>
    private static string At(string yaml, string text, int columnOffset = 0)
    {
        var lines = yaml.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var line = Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal));
        return $"prefect.yaml({line + 1},{lines[line].IndexOf(text, StringComparison.Ordinal) + 1 + columnOffset})";
    }

    [Fact]
    public async Task Build_validates_once_runs_no_step_asks_no_server_reports_located_errors_until_fixed_and_can_be_turned_off()
    {
        // A script that would leave a file behind, and a "server" that records any connection.
        var valid = SampleYaml.Replace("build:\n", "build:\n- prefect.deployments.steps.run_shell_script:\n    script: touch ran.txt\n", StringComparison.Ordinal);
        Assert.NotEqual(SampleYaml, valid);
        var project = fixture.Project("incremental", valid);
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var env = new Dictionary<string, string?> { ["PREFECT_API_URL"] = $"http://127.0.0.1:{((IPEndPoint)server.LocalEndpoint).Port}/api" };
        var stamp = Path.Combine(project.Directory, "obj", "Debug", "net10.0", "flows", "validate.stamp");

        var first = await Build(project, "first build", env);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.DoesNotContain("FLOWS", first.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(stamp), "no stamp after a passing validation");
        Assert.False(File.Exists(Path.Combine(project.Directory, "ran.txt")), "the build ran a run_shell_script step");
        Assert.False(server.Pending(), "the build contacted PREFECT_API_URL");

        var detailed = await Run(project, "unchanged build, detailed log", env, "build", "hello.csproj", "-v:d", "-p:UseSharedCompilation=false");
        Assert.True(detailed.ExitCode == 0, detailed.ToString());
        Assert.Contains(SkippedUpToDate, detailed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Task \"ValidateDeployments\"", detailed.Output, StringComparison.Ordinal);

        // A parameter of the wrong type for the flow's schema (name: string): an error at the value, on every build.
        var broken = valid.Replace("name: \"Arthur\"", "name: 42", StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(project.Directory, "prefect.yaml"), broken);
        var expected = $"{At(broken, "name: 42", "name: ".Length)}: error FLOWS1312:";
        foreach (var what in new[] { "parameter of the wrong type", "same error again" })
        {
            var failed = await Build(project, what, env);
            Assert.True(failed.ExitCode != 0, failed.ToString());
            Assert.Contains(expected, failed.Output, StringComparison.Ordinal);
        }

        var off = await Build(project, "validation turned off", env, "FlowsValidateDeployments=false");
        Assert.True(off.ExitCode == 0, off.ToString());
        Assert.DoesNotContain("FLOWS", off.Output, StringComparison.Ordinal);

        Assert.False(File.Exists(Path.Combine(project.Directory, "ran.txt")), "the build ran a run_shell_script step");
        Assert.False(server.Pending(), "the build contacted PREFECT_API_URL");
    }

    [Fact]
    public async Task Yaml_syntax_error_fails_the_build_and_design_time_builds_report_problems_as_warnings_without_failing()
    {
        var broken = SampleYaml.Replace("  tags: &common_tags", "  tags: [unclosed", StringComparison.Ordinal);
        Assert.NotEqual(SampleYaml, broken);
        var project = fixture.Project("designtime", broken);
        var restore = await Run(project, "restore", null, "restore", "hello.csproj", "-v:q");
        Assert.True(restore.ExitCode == 0, restore.ToString());

        // Before the first build there is no assembly (no flow manifest): the file itself is still checked.
        var designTime = await Run(project, "design-time build, never built", null, DesignTime);
        Assert.True(designTime.ExitCode == 0, designTime.ToString());
        Assert.Matches(@"prefect\.yaml\(\d+,\d+\): warning FLOWS1001:", designTime.Output);
        Assert.False(File.Exists(Path.Combine(project.Directory, "obj", "Debug", "net10.0", "hello.dll")), "a design-time build compiled the project");

        var build = await Build(project, "build with a YAML syntax error");
        Assert.True(build.ExitCode != 0, build.ToString());
        Assert.Matches(@"prefect\.yaml\(\d+,\d+\): error FLOWS1001: invalid YAML", build.Output);

        // With the last built assembly, a design-time build checks the parameters too.
        var wrongType = SampleYaml.Replace("name: \"Arthur\"", "name: 42", StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(project.Directory, "prefect.yaml"), wrongType);
        var again = await Run(project, "design-time build after a build", null, DesignTime);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains($"{At(wrongType, "name: 42", "name: ".Length)}: warning FLOWS1312:", again.Output, StringComparison.Ordinal);
    }
}
