using System.Text.Json.Nodes;
using Flows;

namespace Flows.Tests;

public sealed class FlowRunLifecycleTests
{
    private sealed class RecordingObserver : IFlowRunObserver
    {
        public List<StateType> States { get; } = [];

        public ValueTask OnStateAsync(FlowRun run, FlowRunState state, CancellationToken cancellationToken)
        {
            States.Add(state.Type);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task A_run_goes_pending_running_completed_and_keeps_its_result()
    {
        var observer = new RecordingObserver();
        var run = await FlowEngine.RunAsync(FlowCatalog.Find("greet")!, new JsonObject { ["name"] = "Arthur" }, new FlowRunOptions { Observer = observer });

        Assert.Equal([StateType.Pending, StateType.Running, StateType.Completed], observer.States);
        Assert.Equal([StateType.Pending, StateType.Running, StateType.Completed], run.States.Select(s => s.Type));
        Assert.Equal("Hello, Arthur!", run.Result);
        Assert.NotEqual(Guid.Empty, run.Id);
        Assert.Matches("^[a-z]+-[a-z]+$", run.Name);
        Assert.Equal("Arthur", (string?)run.Parameters["name"]);
    }

    [Fact]
    public async Task Defaults_are_recorded_as_the_runs_parameters()
    {
        var run = await FlowEngine.RunAsync(FlowCatalog.Find("greet")!, null);

        Assert.Equal("Marvin", (string?)run.Parameters["name"]);
        Assert.Equal("Hello, Marvin!", run.Result);
    }

    [Fact]
    public async Task A_throwing_flow_ends_failed_with_the_exception_and_logs_it()
    {
        var capture = new FlowLogCapture();
        FlowRun run;
        using (FlowLogging.Capture(capture))
        {
            run = await FlowEngine.RunAsync(FlowCatalog.Find("explode")!, null);
        }

        Assert.Equal(StateType.Failed, run.State.Type);
        Assert.IsType<InvalidOperationException>(run.Exception);
        Assert.Contains("InvalidOperationException: boom", run.State.Message, StringComparison.Ordinal);
        Assert.Contains(capture.Records, r => r.Exception is InvalidOperationException && r.Level == Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Fact]
    public async Task Each_run_gets_its_own_id_and_name()
    {
        var runs = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => FlowEngine.RunAsync(FlowCatalog.Find("greet")!, null)));

        Assert.Equal(20, runs.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public async Task Cancellation_ends_the_run_cancelled()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        var run = await FlowEngine.RunAsync(FlowCatalog.Find("current-run-id")!, null, null, cts.Token);

        Assert.Equal(StateType.Cancelled, run.State.Type);
    }

    [Fact]
    public async Task Instance_flows_run_through_the_registry()
    {
        var run = await FlowEngine.RunAsync(FlowCatalog.Find("shout")!, new JsonObject { ["word"] = "hi" });

        Assert.Equal("HI", run.Result);
    }

    [Fact]
    public async Task Wrong_types_and_missing_values_name_the_flow_parameter_and_type()
    {
        var flow = FlowCatalog.Find("add-numbers")!;

        var wrong = await Assert.ThrowsAsync<FlowParameterException>(() => FlowEngine.RunAsync(flow, new JsonObject { ["count"] = "abc" }));
        var missing = await Assert.ThrowsAsync<FlowParameterException>(() => FlowEngine.RunAsync(flow, new JsonObject()));
        var unknown = await Assert.ThrowsAsync<FlowParameterException>(() => FlowEngine.RunAsync(flow, new JsonObject { ["count"] = 1, ["cuont"] = 2 }));

        Assert.Equal("flow 'add-numbers': parameter 'count' expects integer (32-bit), got \"abc\"", wrong.Message);
        Assert.Equal("flow 'add-numbers': missing required parameter 'count' (integer (32-bit))", missing.Message);
        Assert.Equal("cuont", unknown.Parameter);
        Assert.Equal("add-numbers", unknown.FlowName);
    }
}
