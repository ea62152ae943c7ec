namespace Flows;

/// <summary>A flow parameter as command lines see it.</summary>
/// <param name="Name">The parameter's name.</param>
/// <param name="JsonType">The schema type: string, integer, number, boolean, array, object.</param>
/// <param name="Required">True when the C# parameter has no default.</param>
public sealed record FlowParameterInfo(string Name, string JsonType, bool Required);
