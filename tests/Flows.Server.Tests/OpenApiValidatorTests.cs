using Flows.Server.Orchestration;
using Flows.Api.Models;

namespace Flows.Server.Tests;

/// <summary>The validator itself must catch mismatches, or the conformance checks prove nothing.</summary>
public class OpenApiValidatorTests
{
    private const string FlowCreate = "/components/schemas/FlowCreate";

    [Fact]
    public void Accepts_a_valid_body() => OpenApiValidatingHandler.Validate(FlowCreate, """{"name":"hello","tags":["a"]}""", "test");

    [Theory]
    [InlineData("""{"tags":["a"]}""")]
    [InlineData("""{"name":"x","unknown":1}""")]
    [InlineData("""{"name":"x","tags":"a"}""")]
    public void Rejects_an_invalid_body(string json)
        => Assert.Throws<InvalidOperationException>(() => OpenApiValidatingHandler.Validate(FlowCreate, json, "test"));

    [Fact]
    public void Rejects_a_bad_date_time_in_a_nested_ref()
        => Assert.Throws<InvalidOperationException>(() => OpenApiValidatingHandler.Validate("/components/schemas/LogCreate",
            """{"name":"x","level":20,"message":"m","timestamp":"yesterday"}""", "test"));
}

public class OrchestrationPolicyTests
{
    private static FlowRun Run(StateType type, DateTimeOffset? scheduled = null, int runCount = 0, int? retries = null) => new()
    {
        Id = Guid.NewGuid(), FlowId = Guid.NewGuid(), RunCount = runCount, EmpiricalPolicy = new FlowRunPolicy { Retries = retries },
        State = new State { Id = Guid.NewGuid(), Type = type, StateDetails = new StateDetails { ScheduledTime = scheduled } },
    };

    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(StateType.Pending)]
    [InlineData(StateType.Running)]
    [InlineData(StateType.Cancelling)]
    public void Second_pending_is_aborted(StateType current)
        => Assert.Equal(SetStateStatus.Abort, OrchestrationPolicy.Decide(Run(current), new StateCreate { Type = StateType.Pending }, false, Now).Status);

    [Theory]
    [InlineData(StateType.Completed)]
    [InlineData(StateType.Failed)]
    [InlineData(StateType.Cancelled)]
    [InlineData(StateType.Crashed)]
    public void Terminal_states_are_left_only_by_force(StateType current)
    {
        Assert.Equal(SetStateStatus.Abort, OrchestrationPolicy.Decide(Run(current), new StateCreate { Type = StateType.Scheduled }, false, Now).Status);
        Assert.Equal(SetStateStatus.Accept, OrchestrationPolicy.Decide(Run(current), new StateCreate { Type = StateType.Scheduled }, true, Now).Status);
    }

    [Fact]
    public void Pending_copies_the_scheduled_time_and_running_early_waits()
    {
        var at = Now.AddMinutes(5);
        var pending = OrchestrationPolicy.Decide(Run(StateType.Scheduled, at), new StateCreate { Type = StateType.Pending }, false, Now);
        Assert.Equal(at, pending.NewState!.StateDetails!.ScheduledTime);
        var wait = OrchestrationPolicy.Decide(Run(StateType.Pending, at), new StateCreate { Type = StateType.Running }, false, Now);
        Assert.Equal((SetStateStatus.Wait, 300), (wait.Status, wait.DelaySeconds));
    }

    [Theory]
    [InlineData(StateType.Pending, StateType.Pending)]
    [InlineData(StateType.Running, StateType.Running)]
    [InlineData(StateType.Completed, StateType.Completed)]
    public void A_repeat_of_the_transition_that_landed_is_rejected_with_the_current_state_before_any_other_rule(StateType current, StateType proposed)
    {
        var transitionId = Guid.NewGuid();
        var run = Run(current);
        run = run with { State = run.State! with { StateDetails = new StateDetails { TransitionId = transitionId } } };

        var repeat = OrchestrationPolicy.Decide(run, new StateCreate { Type = proposed, StateDetails = new StateDetails { TransitionId = transitionId } }, false, Now);
        var other = OrchestrationPolicy.Decide(run, new StateCreate { Type = proposed, StateDetails = new StateDetails { TransitionId = Guid.NewGuid() } }, false, Now);

        Assert.Equal((SetStateStatus.Reject, null), (repeat.Status, repeat.NewState));
        Assert.NotEqual(SetStateStatus.Reject, other.Status); // a new proposal meets the usual rules
    }

    [Fact]
    public void Failure_with_retries_left_becomes_awaiting_retry()
    {
        var retry = OrchestrationPolicy.Decide(Run(StateType.Running, runCount: 1, retries: 1), new StateCreate { Type = StateType.Failed }, false, Now);
        Assert.Equal((SetStateStatus.Reject, "AwaitingRetry", StateType.Scheduled), (retry.Status, retry.NewState!.Name, retry.NewState.Type));
        var final = OrchestrationPolicy.Decide(Run(StateType.Running, runCount: 2, retries: 1), new StateCreate { Type = StateType.Failed }, false, Now);
        Assert.Equal(SetStateStatus.Accept, final.Status);
    }
}
