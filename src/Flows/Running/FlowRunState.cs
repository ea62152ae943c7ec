namespace Flows;

/// <summary>One state in a flow run's history.</summary>
/// <param name="Type">The state type.</param>
/// <param name="Name">The display name (Prefect's: "Completed", "AwaitingRetry", …).</param>
/// <param name="Timestamp">When the run entered the state.</param>
/// <param name="Message">Why, for failures.</param>
public sealed record FlowRunState(StateType Type, string Name, DateTimeOffset Timestamp, string? Message = null)
{
    /// <summary>True for Completed, Failed, Cancelled and Crashed: states a run does not leave.</summary>
    public bool IsFinal => Type is StateType.Completed or StateType.Failed or StateType.Cancelled or StateType.Crashed;

    /// <inheritdoc />
    public override string ToString() => Message is null ? $"{Name}()" : $"{Name}('{Message}')";
}
