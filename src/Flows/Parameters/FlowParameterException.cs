namespace Flows;

/// <summary>
/// A flow was given parameters it cannot take: a wrong type, a missing required value or an unknown name.
/// Raised before the run starts, so bad input never creates a run.
/// </summary>
public sealed class FlowParameterException : Exception
{
    public FlowParameterException()
    {
    }

    public FlowParameterException(string message)
        : base(message)
    {
    }

    public FlowParameterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The parameter (or nested path, <c>address.street</c>, <c>items[2]</c>) at fault.</summary>
    public string? Parameter { get; init; }

    /// <summary>The JSON type that was expected there.</summary>
    public string? ExpectedType { get; init; }

    /// <summary>The flow, once known (the engine fills it in).</summary>
    public string? FlowName { get; init; }

    internal FlowParameterException ForFlow(string flowName) =>
        new($"flow '{flowName}': {Message}", this) { Parameter = Parameter, ExpectedType = ExpectedType, FlowName = flowName };
}
