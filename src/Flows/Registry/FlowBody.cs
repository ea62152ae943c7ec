namespace Flows;

/// <summary>A flow bound to its arguments, ready to run: returns the flow's result, boxed, or null.</summary>
public delegate ValueTask<object?> FlowBody(CancellationToken cancellationToken);
