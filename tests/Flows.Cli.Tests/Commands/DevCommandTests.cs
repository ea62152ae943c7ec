using Flows.Api.Client;
using Flows.Server;

namespace Flows.Cli.Tests.Commands;

/// <summary>
/// The README's first command, in process: publish samples/hello, start the embedded server, deploy its two
/// deployments to a process pool, run them through a real worker and the real runner, and stream their logs.
/// </summary>
[Collection(SampleHelloBuilds.Name)]
public sealed class DevCommandTests
{
    [Fact]
    public async Task Dev_runs_hello_default_and_arthur_to_completed_with_their_greetings()
    {
        var home = Path.Combine(Path.GetTempPath(), "flows-dev-" + Guid.NewGuid().ToString("N"));
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new Dictionary<string, string?> { ["FLOWS_HOME"] = home, ["PATH"] = Environment.GetEnvironmentVariable("PATH") };
        try
        {
            var exit = await CliApp.InvokeAsync(
                ["dev", CliTestHelper.Sample("hello"), "--port", "0", "--run", "hello/default", "--run", "hello/arthur"],
                new CliConsole(output, error, name => environment.GetValueOrDefault(name)));

            var text = output.ToString();
            Assert.True(exit == 0, $"exit {exit}\n{text}\n{error}");
            Assert.Contains("Hello, Marvin!", text, StringComparison.Ordinal);
            Assert.Contains("Hello, Arthur!", text, StringComparison.Ordinal);
            Assert.Contains("All 2 flow runs Completed", text, StringComparison.Ordinal);
            // Each printed link opens its run's page. dev's server stopped with the command, so the links are followed
            // on a server over the same database (another port: dev ran on --port 0).
            var links = System.Text.RegularExpressions.Regex.Matches(text, @"http://127\.0\.0\.1:\d+(/runs/flow-run/([0-9a-f-]{36}))");
            Assert.Equal(2, links.Count);
            await using var server = await FlowsServer.StartAsync(new FlowsServerOptions { Port = 0, FlowsHome = home, SchedulerInterval = TimeSpan.Zero });
            using var client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(server.ApiUrl.ToString()) });
            foreach (System.Text.RegularExpressions.Match link in links)
            {
                var run = await client.FlowRuns.ReadFlowRunAsync(Guid.Parse(link.Groups[2].Value));
                await UiPageAssert.IsRunPageAsync(server.ApiUrl.GetLeftPart(UriPartial.Authority) + link.Groups[1].Value, run);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(home))
            {
                Directory.Delete(home, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Dev_with_no_build_publishes_without_building_and_names_the_project_when_that_fails()
    {
        // Never built: publish --no-build finds nothing to publish (without --no-build, dev's publish builds it).
        var project = CliTestHelper.FlowProject("public static class F { [Flows.Flow] public static void Greet() { } }");
        var home = Path.Combine(Path.GetTempPath(), "flows-dev-" + Guid.NewGuid().ToString("N"));
        var error = new StringWriter();
        var environment = new Dictionary<string, string?> { ["FLOWS_HOME"] = home, ["PATH"] = Environment.GetEnvironmentVariable("PATH") };
        var exit = await CliApp.InvokeAsync(["dev", project, "--no-build", "--port", "0"], new CliConsole(new StringWriter(), error, name => environment.GetValueOrDefault(name)));

        Assert.Equal(1, exit);
        Assert.Matches(@"app\.csproj: error FLOWS3006: dotnet publish .*app\.csproj failed", error.ToString());
        Assert.False(Directory.Exists(Path.Combine(home, "flows.db")), "the server started although nothing was published");
    }

    [Fact]
    public async Task Dev_without_a_project_is_bad_input()
    {
        var (exit, _, err) = await CliTestHelper.RunAsync("dev", Path.Combine(Path.GetTempPath(), "no-such-project-" + Guid.NewGuid().ToString("N")));

        Assert.Equal(2, exit);
        Assert.Contains("no project at", err, StringComparison.Ordinal);
    }
}
