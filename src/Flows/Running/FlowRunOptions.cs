namespace Flows;

/// <summary>How a run is identified and observed when something other than a direct call starts it.</summary>
public sealed record FlowRunOptions
{
    /// <summary>The run's id (the API's, when deployed); a new one when null.</summary>
    public Guid? Id { get; init; }

    /// <summary>The run's name; generated when null.</summary>
    public string? Name { get; init; }

    /// <summary>Tags added to those in scope.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Told of every state change, in order, before the flow continues.</summary>
    public IFlowRunObserver? Observer { get; init; }
}
