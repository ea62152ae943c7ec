using System.Text.Json;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Server;

using Flows.Testing;

namespace Flows.Cli.Tests.Commands;

/// <summary>work-pool, deployment run, flow-run: the real command line against the real embedded server.</summary>
public sealed class ApiCommandsTests : IAsyncLifetime
{
    private TestServer _server = null!;

    private PrefectClient Client => _server.Client;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync("flows-cli-api");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new Dictionary<string, string?> { ["PREFECT_API_URL"] = _server.ApiUrl };
        var exit = await CliApp.InvokeAsync(args, new CliConsole(output, error, name => environment.GetValueOrDefault(name)));
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Work_pool_create_sets_the_seeds_kubernetes_defaults()
    {
        var (exit, _, err) = await RunAsync("work-pool", "create", "my-k8s-pool", "--type", "kubernetes", "--set", "finished_job_ttl=60", "--set", "pod_watch_timeout_seconds=300", "--set", "namespace=prefect");

        Assert.Equal(0, exit);
        Assert.Empty(err);
        var pool = await Client.WorkPools.ReadWorkPoolAsync("my-k8s-pool");
        var properties = pool.BaseJobTemplate!.Value.GetProperty("variables").GetProperty("properties");
        Assert.Equal("kubernetes", pool.Type);
        Assert.Equal(60, properties.GetProperty("finished_job_ttl").GetProperty("default").GetInt32());
        Assert.Equal(300, properties.GetProperty("pod_watch_timeout_seconds").GetProperty("default").GetInt32());
        Assert.Equal("prefect", properties.GetProperty("namespace").GetProperty("default").GetString());
    }

    [Fact]
    public async Task Work_pool_create_takes_the_seeds_ui_fields_as_flags()
    {
        var (exit, _, _) = await RunAsync("work-pool", "create", "k8s", "--type", "kubernetes", "--namespace", "prefect", "--finished-job-ttl", "60", "--pod-watch-timeout", "300");

        Assert.Equal(0, exit);
        var properties = (await Client.WorkPools.ReadWorkPoolAsync("k8s")).BaseJobTemplate!.Value.GetProperty("variables").GetProperty("properties");
        Assert.Equal("prefect", properties.GetProperty("namespace").GetProperty("default").GetString());
        Assert.Equal(60, properties.GetProperty("finished_job_ttl").GetProperty("default").GetInt32());
        Assert.Equal(300, properties.GetProperty("pod_watch_timeout_seconds").GetProperty("default").GetInt32());
        Assert.True(!properties.GetProperty("image").TryGetProperty("default", out var image) || image.ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public async Task Work_pool_update_changes_defaults_limit_and_pause()
    {
        await RunAsync("work-pool", "create", "upd", "--type", "kubernetes");

        var (exit, _, err) = await RunAsync("work-pool", "update", "upd", "--set", "namespace=prefect", "--concurrency-limit", "3", "--pause");

        Assert.True(exit == 0, err);
        var pool = await Client.WorkPools.ReadWorkPoolAsync("upd");
        Assert.Equal("prefect", pool.BaseJobTemplate!.Value.GetProperty("variables").GetProperty("properties").GetProperty("namespace").GetProperty("default").GetString());
        Assert.Equal(3, pool.ConcurrencyLimit);
        Assert.True(pool.IsPaused);
        Assert.Equal(2, (await RunAsync("work-pool", "update", "upd", "--set", "nope=1")).Exit);
        Assert.Equal(2, (await RunAsync("work-pool", "update", "missing", "--pause")).Exit);
    }

    [Fact]
    public async Task Deployment_run_can_be_scheduled_later_and_named()
    {
        var flow = await Client.Flows.CreateFlowAsync(new FlowCreate { Name = "hello" });
        await Client.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = "later", FlowId = flow.Id });
        var before = DateTimeOffset.UtcNow;

        var (exit, output, _) = await RunAsync("deployment", "run", "hello/later", "--start-in", "2h", "--flow-run-name", "nightly-one", "-o", "json");

        Assert.Equal(0, exit);
        using var created = JsonDocument.Parse(output);
        var run = await Client.FlowRuns.ReadFlowRunAsync(created.RootElement.GetProperty("id").GetGuid());
        Assert.Equal("nightly-one", run.Name);
        Assert.Equal(StateType.Scheduled, run.StateType);
        Assert.True(run.ExpectedStartTime > before.AddMinutes(119), $"expected start {run.ExpectedStartTime}");
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("2h", 7200)]
    [InlineData("1d", 86400)]
    [InlineData("90", 90)]
    public void Durations_read_as_people_write_them(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), Flows.Cli.Commands.DeploymentCommand.Duration(text));
    }

    [Fact]
    public async Task Deployment_inspect_and_delete()
    {
        var flow = await Client.Flows.CreateFlowAsync(new FlowCreate { Name = "hello" });
        var deployment = await Client.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = "gone", FlowId = flow.Id });

        var (inspectExit, inspected, _) = await RunAsync("deployment", "inspect", "hello/gone");
        var (deleteExit, _, _) = await RunAsync("deployment", "delete", "hello/gone");
        var (againExit, _, _) = await RunAsync("deployment", "inspect", "hello/gone");

        Assert.Equal(0, inspectExit);
        Assert.Contains(deployment.Id.ToString(), inspected, StringComparison.Ordinal);
        Assert.Equal(0, deleteExit);
        Assert.Equal(2, againExit);
    }

    [Fact]
    public async Task Work_pool_create_rejects_unknown_variables_before_writing_anything()
    {
        var (exit, _, err) = await RunAsync("work-pool", "create", "p", "--type", "kubernetes", "--set", "namespce=prefect");

        Assert.Equal(2, exit);
        Assert.Contains("no variable 'namespce'", err, StringComparison.Ordinal);
        Assert.Empty(await Client.WorkPools.ReadWorkPoolsAsync());
    }

    [Fact]
    public async Task Work_pool_ls_json_lists_pools()
    {
        await RunAsync("work-pool", "create", "local", "--type", "process");

        var (exit, output, _) = await RunAsync("work-pool", "ls", "-o", "json");

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output);
        Assert.Contains(json.RootElement.EnumerateArray(), p => p.GetProperty("name").GetString() == "local" && p.GetProperty("type").GetString() == "process");
    }

    [Fact]
    public async Task Deployment_run_creates_a_run_with_parameters_and_watch_follows_it_to_its_final_state()
    {
        var flow = await Client.Flows.CreateFlowAsync(new FlowCreate { Name = "hello" });
        await Client.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = "arthur", FlowId = flow.Id });

        var (exit, output, _) = await RunAsync("deployment", "run", "hello/arthur", "--param", "name=Ford", "--param", "count=3", "-o", "json");

        Assert.Equal(0, exit);
        using var created = JsonDocument.Parse(output);
        var runId = created.RootElement.GetProperty("id").GetGuid();
        var run = await Client.FlowRuns.ReadFlowRunAsync(runId);
        Assert.Equal("Ford", run.Parameters["name"].GetString());
        Assert.Equal(3, run.Parameters["count"].GetInt32());

        // Play the worker and runner so --watch has something to follow.
        var watch = RunAsync("flow-run", "logs", runId.ToString(), "--follow");
        await Client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Pending });
        await Client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Running });
        await Client.Logs.CreateLogsAsync([new LogCreate { Name = "prefect.flow_runs", Level = 20, Message = "Hello, Ford!", Timestamp = DateTimeOffset.UtcNow, FlowRunId = runId }]);
        await Client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Completed });
        var (watchExit, watchOut, _) = await watch;

        Assert.Equal(0, watchExit);
        Assert.Contains("Hello, Ford!", watchOut, StringComparison.Ordinal);
        Assert.Contains("is Completed", watchOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deployment_run_prints_a_link_that_opens_the_runs_page()
    {
        var flow = await Client.Flows.CreateFlowAsync(new FlowCreate { Name = "hello" });
        await Client.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = "linked", FlowId = flow.Id });

        var (exit, output, _) = await RunAsync("deployment", "run", "hello/linked");

        Assert.Equal(0, exit);
        var link = System.Text.RegularExpressions.Regex.Match(output, @"See it at (\S+)").Groups[1].Value;
        var runId = Guid.Parse(System.Text.RegularExpressions.Regex.Match(output, @"\(([0-9a-f-]{36})\)").Groups[1].Value);
        await UiPageAssert.IsRunPageAsync(link, await Client.FlowRuns.ReadFlowRunAsync(runId));
    }

    [Fact]
    public async Task Deployment_run_watch_exits_1_when_the_run_fails()
    {
        var flow = await Client.Flows.CreateFlowAsync(new FlowCreate { Name = "hello" });
        var deployment = await Client.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = "default", FlowId = flow.Id });
        var run = RunAsync("deployment", "run", "hello/default", "--watch");

        FlowRun? created = null;
        while (created is null)
        {
            created = (await Client.FlowRuns.ReadFlowRunsAsync()).FirstOrDefault(r => r.DeploymentId == deployment.Id);
            await Task.Delay(50);
        }

        await Client.FlowRuns.SetFlowRunStateAsync(created.Id, new StateCreate { Type = StateType.Pending });
        await Client.FlowRuns.SetFlowRunStateAsync(created.Id, new StateCreate { Type = StateType.Running });
        await Client.FlowRuns.SetFlowRunStateAsync(created.Id, new StateCreate { Type = StateType.Failed, Message = "boom" });

        var (exit, output, _) = await run;
        Assert.Equal(1, exit);
        Assert.Contains("is Failed: boom", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("deployment", "run", "nope/missing")]
    [InlineData("work-pool", "inspect", "missing")]
    public async Task Missing_things_are_one_error_line_and_exit_2(params string[] args)
    {
        var (exit, _, err) = await RunAsync(args);

        Assert.Equal(2, exit);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.StartsWith("flows-deploy: error FLOWS", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_is_exit_1_with_a_hint()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.InvokeAsync(["work-pool", "ls"], new CliConsole(output, error, name => name == "PREFECT_API_URL" ? "http://127.0.0.1:9/api" : null));

        Assert.Equal(1, exit);
        Assert.Contains("flows-deploy server start", error.ToString(), StringComparison.Ordinal);
    }
}
