namespace Flows.Api.Models;

// Wire values are the upper snake case of these names (PrefectJson's enum converter).

/// <summary>A flow run state's type.</summary>
public enum StateType { Scheduled, Pending, Running, Completed, Failed, Cancelled, Crashed, Paused, Cancelling }

/// <summary>The orchestration decision on a proposed state.</summary>
public enum SetStateStatus { Accept, Reject, Abort, Wait }

/// <summary>A work pool's readiness.</summary>
public enum WorkPoolStatus { Ready, NotReady, Paused }

/// <summary>A work queue's readiness.</summary>
public enum WorkQueueStatus { Ready, NotReady, Paused }

/// <summary>A deployment's readiness (its queue was polled recently).</summary>
public enum DeploymentStatus { Ready, NotReady }

/// <summary>A worker's liveness, from its heartbeats.</summary>
public enum WorkerStatus { Online, Offline }

/// <summary>Helpers on <see cref="StateType"/>.</summary>
public static class StateTypes
{
    /// <summary>True for the states a run never leaves except by force.</summary>
    public static bool IsTerminal(this StateType type)
        => type is StateType.Completed or StateType.Failed or StateType.Cancelled or StateType.Crashed;

    /// <summary>The default state name Prefect gives a type ("Scheduled", "Running", …).</summary>
    public static string DefaultName(this StateType type) => type.ToString();
}
