using System.Text.Json;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Kubernetes.Fake;
using Flows.Server.WorkPools;
using Flows.Workers;
using Flows.Workers.Kubernetes;
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

    // With a key (login through the app's BASIC form), and key-less as `dev` serves it (the server's checks against
    // cross-site requests must let the app's own same-origin JSON calls through).
    [Theory]
    [InlineData(Key)]
    [InlineData(null)]
    public async Task Prefect_ui_pages_load_cleanly_runs_a_deployment_and_creates_the_seed_pool(string? key)
    {
        var chromium = BrowserHarness.Chromium();
        var screenshots = BrowserHarness.ScreenshotsFolder(key is null ? "prefect-ui-screenshots-keyless" : "prefect-ui-screenshots");
        var prefectUi = Path.Combine(BrowserHarness.RepositoryRoot(), "tests", "Flows.Ui.Tests", "prefect-ui", "dist");

        await using var server = await UiServer.StartAsync(key, prefectUiDirectory: prefectUi);
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

        using var workerClient = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(server.Host.ApiUrl.ToString()), ApiKey = key });
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
            ["FLOWS_UI_URL"] = server.BaseUrl.GetLeftPart(UriPartial.Authority), ["FLOWS_UI_KEY"] = key ?? string.Empty, ["FLOWS_UI_SCREENSHOTS"] = screenshots,
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

        await RunOnThePoolWithTheKubernetesWorkerAsync(api, workerClient, flow.Id, "seed-kubernetes");
    }

    /// <summary>
    /// The pool Prefect's wizard made is one our kubernetes worker can serve: a deployment on it (the image set by the
    /// deployment, as the seed's are) becomes a Job in the pool's namespace with the pool's TTL, against the fake API
    /// server. The test plays the kubelet and the runner in the image (states and the pod's end), as the worker's own
    /// tests do.
    /// </summary>
    private static async Task RunOnThePoolWithTheKubernetesWorkerAsync(PrefectClient api, PrefectClient workerClient, Guid flowId, string pool)
    {
        await using var cluster = await FakeKubernetesApiServer.StartAsync(["prefect"]);
        var deployment = await api.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "on-kubernetes", FlowId = flowId, WorkPoolName = pool, Entrypoint = "HelloFlows.cs:hello",
            JobVariables = BrowserHarness.Json("""{"image":"localhost:5000/hello:abc1234"}"""),
        });
        var runId = (await api.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id)).Id;
        var output = new StringWriter();
        var kubernetes = cluster.CreateClient();
        var worker = new FlowWorker(workerClient, new WorkerOptions { WorkPool = pool, PollInterval = TimeSpan.FromMilliseconds(200) },
            new KubernetesInfrastructure(TextWriter.Synchronized(output), _ => kubernetes), TextWriter.Synchronized(output));
        using var stop = new CancellationTokenSource();
        var working = worker.RunAsync(stop.Token);
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        var job = await cluster.WaitForJobAsync("prefect", j => j.Metadata.Labels?.TryGetValue(JobManifestBuilder.FlowRunIdLabel, out var id) == true && id == runId.ToString(), bound.Token);
        Assert.Equal(60, job.Spec.TtlSecondsAfterFinished);
        var pod = await cluster.WaitForJobPodAsync("prefect", job.Metadata.Name, bound.Token);
        Assert.Equal("localhost:5000/hello:abc1234", pod.Spec.Containers[0].Image);
        cluster.SetPodRunning("prefect", pod.Metadata.Name);
        await api.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Running, Name = "Running" });
        await api.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Completed, Name = "Completed" });
        cluster.SucceedPod("prefect", pod.Metadata.Name);
        await stop.CancelAsync(); // the worker stops after the run's watch has seen the pod end
        await working;
        var run = await api.FlowRuns.ReadFlowRunAsync(runId);
        Assert.True(run.StateType == StateType.Completed, $"{run.StateType}: {run.State?.Message}\n{output}");
        Assert.Equal($"prefect:{job.Metadata.Name}", run.InfrastructurePid);
    }
}
