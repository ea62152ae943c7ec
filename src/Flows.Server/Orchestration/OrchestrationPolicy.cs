using Flows.Api.Models;

namespace Flows.Server.Orchestration;

/// <summary>The decision on a proposed state: what to answer, and which state (if any) becomes current.</summary>
public sealed record Decision(SetStateStatus Status, StateCreate? NewState, string? Reason, int? DelaySeconds = null);

/// <summary>
/// Prefect's core flow-run rules that matter here, as a pure function (unit-testable, same on every
/// store): nothing leaves a terminal state without force; a second Pending (another worker's claim)
/// is aborted; Running before the scheduled time waits; a failure with retries left is rejected in
/// favour of AwaitingRetry. Scheduled → Pending carries the scheduled time along (CopyScheduledTime). A proposal
/// whose <c>transition_id</c> is the current state's is a client's retry of a transition that already landed:
/// REJECT with the current state, before any other rule (PreventDuplicateTransitions).
/// </summary>
public static class OrchestrationPolicy
{
    public static Decision Decide(FlowRun run, StateCreate proposed, bool force, DateTimeOffset now)
    {
        var current = run.State;
        if (force || current is null)
        {
            return new Decision(SetStateStatus.Accept, proposed, null);
        }

        if (proposed.StateDetails?.TransitionId is { } transitionId && current.StateDetails.TransitionId == transitionId)
        {
            return new Decision(SetStateStatus.Reject, null, "This run has already made this state transition.");
        }

        if (current.Type.IsTerminal())
        {
            return new Decision(SetStateStatus.Abort, null, $"This run is already in terminal state {Upper(current.Type)}.");
        }

        if (proposed.Type == StateType.Pending
            && current.Type is StateType.Pending or StateType.Running or StateType.Cancelling)
        {
            return new Decision(SetStateStatus.Abort, null,
                $"This run is in a {Upper(current.Type)} state and cannot transition to a PENDING state.");
        }

        if (proposed.Type == StateType.Running && current.Type is StateType.Scheduled or StateType.Pending
            && current.StateDetails.ScheduledTime is { } scheduled && scheduled > now)
        {
            var delay = (int)Math.Ceiling((scheduled - now).TotalSeconds);
            return new Decision(SetStateStatus.Wait, null, "Scheduled time is in the future.", delay);
        }

        if (proposed.Type == StateType.Failed && current.Type == StateType.Running
            && run.EmpiricalPolicy.Retries is { } retries && run.RunCount <= retries)
        {
            var delaySeconds = run.EmpiricalPolicy.RetryDelay ?? 0;
            var retry = new StateCreate
            {
                Type = StateType.Scheduled,
                Name = "AwaitingRetry",
                Message = proposed.Message,
                StateDetails = new StateDetails { ScheduledTime = now.AddSeconds(delaySeconds) },
            };
            return new Decision(SetStateStatus.Reject, retry, "Retry attempts remain: the run is rescheduled.");
        }

        if (proposed.Type == StateType.Pending && current.Type == StateType.Scheduled)
        {
            var details = (proposed.StateDetails ?? new StateDetails()) with { ScheduledTime = current.StateDetails.ScheduledTime };
            return new Decision(SetStateStatus.Accept, proposed with { StateDetails = details }, null);
        }

        return new Decision(SetStateStatus.Accept, proposed, null);
    }

    private static string Upper(StateType type) => type.ToString().ToUpperInvariant();
}
