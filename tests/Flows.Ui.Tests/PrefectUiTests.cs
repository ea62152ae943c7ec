using System.Text.Json;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Server.WorkPools;
using Flows.Workers;
using Flows.Workers.Process;

namespace Flows.Ui.Tests;

/// <summary>
/// Prefect's own web UI (the Vue build in prefect-ui/, served by our server at /prefect-ui as
/// <c>server start --prefect-ui</c> does) against our server, in headless chromium (browser/prefect-ui.spec.mjs):
/// a client of the API that nobody on this project wrote. The app logs in with the API key as its Basic password,
/// opens every page a user of the seed's workflow opens, submits a deployment's custom-run form (a real process
/// worker runs samples/hello for it) and creates the seed's kubernetes work pool in its wizard. A page fails on any
/// API answer with status 400 or more, any failed request and any console error; the failure lists every one of
/// them under its page.
/// </summary>
public sealed class PrefectUiTests
{
    private const string Key = "prefect-ui-test-key";

    [Fact]
    public async Task Prefect_ui_pages_load_cleanly_runs_a_deployment_and_creates_the_seed_pool()
    {
        var chromium = BrowserHarness.Chromium();
        var screenshots = BrowserHarness.ScreenshotsFolder("prefect-ui-screenshots");
        var prefectUi = Path.Combine(BrowserHarness.RepositoryRoot(), "tests", "Flows.Ui.Tests", "prefect-ui", "dist");

        await using var server = await UiServer.StartAsync(Key, prefectUiDirectory: prefectUi);
        var api = server.Client;
        var app = BrowserHarness.HelloApp();
        await api.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = "local", Type = "process", BaseJobTemplate = BaseJobTemplates.ForType("process") });
        var flow = await api.Flows.CreateFlowAsync(new FlowCreate { Name = "hello" });
        var arthur = await api.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "arthur", FlowId = flow.Id, WorkPoolName = "local", Entrypoint = "HelloFlows.cs:hello", Tags = ["local"],
            ParameterOpenapiSchema = BrowserHarness.ParameterSchema(app, "hello"), Parameters = BrowserHarness.Json("""{"name":"Arthur"}"""),
            JobVariables = BrowserHarness.Json(JsonSerializer.Serialize(new { command = $"dotnet \"{app}\"", working_dir = Path.GetDirectoryName(app) })),
        });

        using var workerClient = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(server.Host.ApiUrl.ToString()), ApiKey = Key });
        var workerLog = new StringWriter();
        var worker = new FlowWorker(workerClient, new WorkerOptions { WorkPool = "local", PollInterval = TimeSpan.FromMilliseconds(200), HeartbeatInterval = TimeSpan.FromSeconds(5) },
            new ProcessInfrastructure(TextWriter.Synchronized(workerLog)), TextWriter.Synchronized(workerLog));
        using var stop = new CancellationTokenSource();
        var working = worker.RunAsync(stop.Token);

        var seed = JsonSerializer.Serialize(new
        {
            flowId = flow.Id, deploymentId = arthur.Id, deploymentName = "arthur", pool = "local", queue = "default", parameter = "Trillian", newPool = "seed-kubernetes",
        });
        var (exitCode, output) = await BrowserHarness.RunNodeAsync("prefect-ui.spec.mjs", new Dictionary<string, string>
        {
            ["FLOWS_UI_URL"] = server.BaseUrl.GetLeftPart(UriPartial.Authority), ["FLOWS_UI_KEY"] = Key, ["FLOWS_UI_SCREENSHOTS"] = screenshots,
            ["FLOWS_CHROMIUM"] = chromium, ["FLOWS_PREFECT_UI_SEED"] = seed,
        });
        await stop.CancelAsync();
        await working;

        Assert.True(exitCode == 0, $"prefect-ui.spec.mjs failed ({exitCode}); screenshots in {screenshots}:\n{output}\n--- worker ---\n{workerLog}");

        // The run the custom-run form created: on arthur, with the form's parameter, completed by the worker.
        var result = JsonDocument.Parse(output.Split('\n').Single(l => l.StartsWith("RESULT ", StringComparison.Ordinal))["RESULT ".Length..]).RootElement;
        var run = await api.FlowRuns.ReadFlowRunAsync(Guid.Parse(result.GetProperty("runId").GetString()!));
        Assert.Equal(arthur.Id, run.DeploymentId);
        Assert.Equal(StateType.Completed, run.StateType);
        Assert.Equal("Trillian", run.Parameters["name"].GetString());
        var logs = await api.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [run.Id] } } });
        Assert.Contains(logs, l => l.Message == "Hello, Trillian!");

        // The seed's pool as Prefect's wizard stored it: the defaults typed in the form, the image left blank.
        var pool = await api.WorkPools.ReadWorkPoolAsync("seed-kubernetes");
        Assert.Equal("kubernetes", pool.Type);
        var variables = pool.BaseJobTemplate!.Value.GetProperty("variables").GetProperty("properties");
        Assert.Equal(60, variables.GetProperty("finished_job_ttl").GetProperty("default").GetInt32());
        Assert.Equal(300, variables.GetProperty("pod_watch_timeout_seconds").GetProperty("default").GetInt32());
        Assert.Equal("prefect", variables.GetProperty("namespace").GetProperty("default").GetString());
        Assert.False(variables.GetProperty("image").TryGetProperty("default", out var image) && image.ValueKind == JsonValueKind.String && image.GetString()!.Length > 0,
            "the image was left blank in the form, so the pool must not get a default image");
    }
}
