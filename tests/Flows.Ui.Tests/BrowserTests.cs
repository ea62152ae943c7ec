using System.Text.Json;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Server.WorkPools;
using Flows.Workers;
using Flows.Workers.Process;

namespace Flows.Ui.Tests;

/// <summary>
/// The seed's last step, in a real browser: headless Debian chromium driven by playwright-core
/// (browser/ui.spec.mjs) logs in, starts hello/arthur from its deployment page with a parameter, watches the
/// run reach Completed and reads "Hello, Arthur!" in its logs. Nothing is faked: a real process worker runs
/// the real samples/hello app, whose runner reports states and ships logs to the server. A missing chromium,
/// node or playwright-core fails the test (run `bash .ci/browser.sh`). Screenshots are kept under the test
/// output folder, artifacts/screenshots.
/// </summary>
public sealed class BrowserTests
{
    private const string Key = "browser-test-key";

    [Fact]
    public async Task Start_hello_arthur_from_its_page_and_watch_it_complete_with_its_log()
    {
        var chromium = BrowserHarness.Chromium();
        var screenshots = BrowserHarness.ScreenshotsFolder("screenshots");

        await using var server = await UiServer.StartAsync(Key);
        var api = server.Client;
        var app = BrowserHarness.HelloApp();
        await api.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = "local", Type = "process", BaseJobTemplate = BaseJobTemplates.ForType("process") });
        await api.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = "kubernetes", Type = "kubernetes" });
        var flow = await api.Flows.CreateFlowAsync(new FlowCreate { Name = "hello" });
        var schema = BrowserHarness.ParameterSchema(app, "hello");
        var arthur = await api.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "arthur", FlowId = flow.Id, WorkPoolName = "local", Entrypoint = "HelloFlows.cs:hello", Tags = ["local", "abc1234"],
            ParameterOpenapiSchema = schema, Parameters = BrowserHarness.Json("""{"name":"Arthur"}"""),
            JobVariables = BrowserHarness.Json(JsonSerializer.Serialize(new { command = $"dotnet \"{app}\"", working_dir = Path.GetDirectoryName(app) })),
        });
        // The seed's other deployment, on a kubernetes pool nobody serves: the list shows its pinned image.
        var defaultDeployment = await api.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "default", FlowId = flow.Id, WorkPoolName = "kubernetes", Entrypoint = "HelloFlows.cs:hello", Tags = ["eks", "abc1234"], ParameterOpenapiSchema = schema,
            JobVariables = BrowserHarness.Json("""{"image":"localhost:5000/hello:abc1234@sha256:0b3b5c6e0f7e2d7a9c8b1e4f5a6d7c8b9a0e1f2d3c4b5a69788766554433221100"}"""),
        });

        // Another run's log line, which this run's live tail must not pick up.
        var other = await api.Deployments.CreateFlowRunFromDeploymentAsync(defaultDeployment.Id);
        await api.Logs.CreateLogsAsync([new LogCreate { Name = "x", Level = 20, Message = "A line of another run", Timestamp = DateTimeOffset.UtcNow.AddMinutes(1), FlowRunId = other.Id }]);

        using var workerClient = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(server.Host.ApiUrl.ToString()), ApiKey = Key });
        var workerLog = new StringWriter();
        var worker = new FlowWorker(workerClient, new WorkerOptions { WorkPool = "local", PollInterval = TimeSpan.FromMilliseconds(200), HeartbeatInterval = TimeSpan.FromSeconds(5) },
            new ProcessInfrastructure(TextWriter.Synchronized(workerLog)), TextWriter.Synchronized(workerLog));
        using var stop = new CancellationTokenSource();
        var working = worker.RunAsync(stop.Token);

        var (exitCode, output) = await BrowserHarness.RunNodeAsync("ui.spec.mjs", new Dictionary<string, string>
        {
            ["FLOWS_UI_URL"] = server.BaseUrl.GetLeftPart(UriPartial.Authority), ["FLOWS_UI_KEY"] = Key, ["FLOWS_UI_SCREENSHOTS"] = screenshots, ["FLOWS_CHROMIUM"] = chromium,
        });
        await stop.CancelAsync();
        await working;

        Assert.True(exitCode == 0, $"ui.spec.mjs failed ({exitCode}):\n{output}\n--- worker ---\n{workerLog}");
        var result = JsonDocument.Parse(output.Split('\n').Single(l => l.StartsWith("RESULT ", StringComparison.Ordinal))["RESULT ".Length..]).RootElement;
        var runId = Guid.Parse(result.GetProperty("runId").GetString()!);
        var run = await api.FlowRuns.ReadFlowRunAsync(runId);
        Assert.Equal(arthur.Id, run.DeploymentId);
        Assert.Equal(StateType.Completed, run.StateType);
        Assert.Equal("Arthur", run.Parameters["name"].GetString());
        Assert.Equal(run.InfrastructurePid, result.GetProperty("pid").GetString());
        var logs = await api.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [runId] } } });
        Assert.Contains(logs, l => l.Message == "Hello, Arthur!");
        var pool = await api.WorkPools.ReadWorkPoolAsync("ui-kubernetes");
        var variables = pool.BaseJobTemplate!.Value.GetProperty("variables").GetProperty("properties");
        Assert.Equal("flows", variables.GetProperty("namespace").GetProperty("default").GetString());
        Assert.Equal(600, variables.GetProperty("finished_job_ttl").GetProperty("default").GetInt32());
        Assert.Equal(120, variables.GetProperty("pod_watch_timeout_seconds").GetProperty("default").GetInt32());
        foreach (var name in new[] { "01-login", "02-dashboard", "03-deployments", "04-deployment-run-form", "05-run-completed", "06-run-logs-error-filter", "07-work-pools" })
        {
            Assert.True(new FileInfo(Path.Combine(screenshots, name + ".png")).Length > 0, $"screenshot {name} missing");
        }
    }
}
