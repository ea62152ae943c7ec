using Flows;

namespace Flows.Tests;

/// <summary>Direct calls to [Flow] methods are intercepted by generated code, so each call is a flow run.</summary>
public sealed class InterceptedCallTests
{
    [Fact]
    public void A_direct_call_is_a_flow_run_with_the_run_logger()
    {
        var capture = new FlowLogCapture();
        string result;
        using (FlowLogging.Capture(capture))
        {
            result = SampleFlows.Greet("Ford");
        }

        Assert.Equal("Hello, Ford!", result);
        var hello = Assert.Single(capture.Records, r => r.Message == "Hello, Ford!");
        Assert.Equal("greet", hello.FlowName);
        Assert.NotEqual(Guid.Empty, hello.FlowRunId);
        Assert.Contains(capture.Records, r => r.FlowRunId == hello.FlowRunId && r.Message == "Finished in state Completed()");
        Assert.Contains(hello.Properties, p => p.Key == "Name" && (string?)p.Value == "Ford");
    }

    [Fact]
    public void A_direct_call_that_throws_rethrows_after_the_run_fails()
    {
        var capture = new FlowLogCapture();
        using (FlowLogging.Capture(capture))
        {
            Assert.Throws<InvalidOperationException>(SampleFlows.Explode);
        }

        // A method group is not a call, so only the lambda above calls Explode; it is not intercepted either.
        var direct = new FlowLogCapture();
        using (FlowLogging.Capture(direct))
        {
            Assert.Throws<InvalidOperationException>(() => SampleFlows.Explode());
        }

        Assert.Contains(direct.Records, r => r.FlowName == "explode" && r.Message.StartsWith("Finished in state Failed(", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Async_calls_run_as_flow_runs_and_see_their_own_run()
    {
        var id = await SampleFlows.CurrentRunIdAsync(CancellationToken.None);

        Assert.NotEqual(Guid.Empty, id);
        Assert.Null(Flow.CurrentRun);
    }

    [Fact]
    public void A_flow_called_from_a_flow_is_a_child_run()
    {
        Assert.NotNull(SampleFlows.Outer());
    }

    [Fact]
    public void Instance_calls_are_intercepted_too()
    {
        var capture = new FlowLogCapture();
        using (FlowLogging.Capture(capture))
        {
            Assert.Equal("YES", new InstanceFlows().Shout("yes"));
        }

        Assert.Contains(capture.Records, r => r.FlowName == "shout");
    }
}
