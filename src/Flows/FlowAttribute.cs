namespace Flows;

/// <summary>
/// Marks a method as a flow. Calling the method runs it as a flow run, with an id, a generated name, states and
/// a run logger (<see cref="Flow.GetRunLogger"/>); the source generator also registers it so it can be run by name
/// with JSON parameters, and derives its parameter schema at compile time.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class FlowAttribute : Attribute
{
    /// <summary>Marks a flow named after the method in kebab-case (<c>EtlJob</c> → <c>etl-job</c>).</summary>
    public FlowAttribute()
    {
    }

    /// <summary>Marks a flow with an explicit name.</summary>
    public FlowAttribute(string name) => Name = name;

    /// <summary>The flow's name, or null for the method name in kebab-case.</summary>
    public string? Name { get; }

    /// <summary>A description; defaults to the method's XML doc summary.</summary>
    public string? Description { get; set; }
}
