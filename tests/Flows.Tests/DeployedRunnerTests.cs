using System.Text.Json;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Deployed;
using Flows.Server;
using ApiStateType = Flows.Api.Models.StateType;

using Flows.Testing;

namespace Flows.Tests;

/// <summary>
/// The in-image runner against the real embedded server (SQLite): it reads the run and its deployment, proposes
/// Running, runs the entrypoint's flow, ships logs, and proposes the final state.
/// </summary>
public sealed class DeployedRunnerTests : IAsyncLifetime
{
    private TestServer _server = null!;

    private PrefectClient Client => _server.Client;

    private string Home => _server.Home;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync("flows-runner-tests");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<Guid> CreateRunAsync(string flowName, string entrypoint, string parametersJson = "{}", string? pullStepsJson = null)
    {
        var flow = await Client.Flows.CreateFlowAsync(new FlowCreate { Name = flowName });
        var deployment = await Client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "test-" + Guid.NewGuid().ToString("N")[..8],
            FlowId = flow.Id,
            Entrypoint = entrypoint,
            PullSteps = pullStepsJson is null ? null : JsonDocument.Parse(pullStepsJson).RootElement.Clone(),
        });
        var parameters = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(parametersJson)!;
        var run = await Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id, new DeploymentFlowRunCreate { Parameters = parameters, Tags = ["nightly"] });

        // The worker's claim.
        await Client.FlowRuns.SetFlowRunStateAsync(run.Id, new StateCreate { Type = ApiStateType.Pending, Name = "Pending" });
        return run.Id;
    }

    private async Task<(int Code, string Error)> ExecuteAsync(Guid runId, string? sigterm = null)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await DeployedRunner.RunAsync(runId, Client, output, error, sigterm);
        return (code, error.ToString());
    }

    private async Task<IReadOnlyList<string>> LogsAsync(Guid runId) =>
        (await Client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [runId] } }, Limit = 200 }))
            .Select(l => l.Message).ToList();

    [Fact]
    public async Task A_deployed_run_completes_with_its_parameters_and_its_logs_reach_the_api()
    {
        var runId = await CreateRunAsync("greet", "SampleFlows.cs:greet", """{ "name": "Arthur" }""");

        var (code, _) = await ExecuteAsync(runId);

        var run = await Client.FlowRuns.ReadFlowRunAsync(runId);
        Assert.Equal(0, code);
        Assert.Equal(ApiStateType.Completed, run.StateType);
        var logs = await LogsAsync(runId);
        Assert.Contains("Hello, Arthur!", logs);
        Assert.Contains(logs, l => l.StartsWith("Beginning flow run '" + run.Name + "' for flow 'greet' with tags [nightly]", StringComparison.Ordinal));

        // The state history, as GET /flow_run_states/ serves it.
        using var http = new HttpClient();
        using var states = JsonDocument.Parse(await http.GetStringAsync(new Uri(_server.ApiUrl.TrimEnd('/') + $"/flow_run_states/?flow_run_id={runId}")));
        Assert.Equal(["SCHEDULED", "PENDING", "RUNNING", "COMPLETED"], states.RootElement.EnumerateArray().Select(s => s.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task A_flow_that_throws_ends_failed_with_the_exception_in_state_and_logs()
    {
        var runId = await CreateRunAsync("explode", "SampleFlows.cs:explode");

        var (code, _) = await ExecuteAsync(runId);

        var run = await Client.FlowRuns.ReadFlowRunAsync(runId);
        Assert.Equal(1, code);
        Assert.Equal(ApiStateType.Failed, run.StateType);
        Assert.Contains("InvalidOperationException: boom", run.State!.Message, StringComparison.Ordinal);
        Assert.Contains(await LogsAsync(runId), l => l.Contains("System.InvalidOperationException: boom", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bad_parameters_fail_the_run_naming_the_parameter()
    {
        var runId = await CreateRunAsync("add-numbers", "SampleFlows.cs:add_numbers", """{ "count": "abc" }""");

        var (code, error) = await ExecuteAsync(runId);

        var run = await Client.FlowRuns.ReadFlowRunAsync(runId);
        Assert.Equal(1, code);
        Assert.Equal(ApiStateType.Failed, run.StateType);
        Assert.Contains("parameter 'count' expects integer (32-bit)", run.State!.Message, StringComparison.Ordinal);
        Assert.Contains("FLOWS2001", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_entrypoint_this_app_does_not_have_crashes_the_run_with_the_flows_it_has()
    {
        var runId = await CreateRunAsync("missing", "Other.cs:missing");

        var (code, _) = await ExecuteAsync(runId);

        var run = await Client.FlowRuns.ReadFlowRunAsync(runId);
        Assert.Equal(1, code);
        Assert.Equal(ApiStateType.Crashed, run.StateType);
        Assert.Contains("FLOWS2206", run.State!.Message, StringComparison.Ordinal);
        Assert.Contains("greet", run.State.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pull_steps_set_the_working_directory_or_crash_clearly()
    {
        var missing = await CreateRunAsync("greet", "SampleFlows.cs:greet", pullStepsJson: """[{ "prefect.deployments.steps.set_working_directory": { "directory": "/no/such/dir" } }]""");
        var unsupported = await CreateRunAsync("greet", "SampleFlows.cs:greet", pullStepsJson: """[{ "prefect.deployments.steps.git_clone": { "repository": "x" } }]""");
        var good = await CreateRunAsync("greet", "SampleFlows.cs:greet", pullStepsJson: $$"""[{ "prefect.deployments.steps.set_working_directory": { "directory": "{{Home}}" } }]""");
        var before = Directory.GetCurrentDirectory();

        try
        {
            Assert.Equal(1, (await ExecuteAsync(missing)).Code);
            Assert.Equal(1, (await ExecuteAsync(unsupported)).Code);
            Assert.Equal(0, (await ExecuteAsync(good)).Code);
            Assert.Equal(Path.GetFullPath(Home), Directory.GetCurrentDirectory());
        }
        finally
        {
            Directory.SetCurrentDirectory(before);
        }

        Assert.Contains("FLOWS2204", (await Client.FlowRuns.ReadFlowRunAsync(missing)).State!.Message, StringComparison.Ordinal);
        Assert.Contains("FLOWS2205", (await Client.FlowRuns.ReadFlowRunAsync(unsupported)).State!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_already_finished_is_not_run_again()
    {
        var runId = await CreateRunAsync("greet", "SampleFlows.cs:greet");
        Assert.Equal(0, (await ExecuteAsync(runId)).Code);
        var logsAfterFirst = (await LogsAsync(runId)).Count;

        var (code, _) = await ExecuteAsync(runId);

        Assert.Equal(0, code);
        Assert.Equal(logsAfterFirst, (await LogsAsync(runId)).Count(l => l != null));
        Assert.Equal(ApiStateType.Completed, (await Client.FlowRuns.ReadFlowRunAsync(runId)).StateType);
    }

    [Fact]
    public async Task Logs_are_batched_by_count_and_all_arrive_after_dispose()
    {
        var runId = await CreateRunAsync("greet", "SampleFlows.cs:greet");
        var shipper = new ApiLogShipper(Client, runId, TextWriter.Null, maxBatchCount: 10, interval: TimeSpan.FromMinutes(5));
        for (var i = 0; i < 95; i++)
        {
            shipper.Write(new FlowLogRecord(runId, "r", "greet", Microsoft.Extensions.Logging.LogLevel.Information, "line " + i, DateTimeOffset.UtcNow, null, []));
        }

        await shipper.DisposeAsync();

        var logs = await LogsAsync(runId);
        Assert.Equal(95, logs.Count);
        Assert.InRange(shipper.BatchesSent, 10, 20);
    }
}
