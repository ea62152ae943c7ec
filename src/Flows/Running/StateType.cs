namespace Flows;

/// <summary>Prefect's state types, with the same names and meanings.</summary>
public enum StateType
{
    Scheduled,
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
    Crashed,
    Paused,
    Cancelling,
}
