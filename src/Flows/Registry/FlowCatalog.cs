using System.Collections.Concurrent;

namespace Flows;

/// <summary>
/// The flows compiled into this process, registered by generated module initializers (no assembly scanning).
/// Names compare with '-' and '_' as equal, as Prefect's CLI does.
/// </summary>
public static class FlowCatalog
{
    private static readonly ConcurrentDictionary<string, FlowDescriptor> Flows = new(StringComparer.Ordinal);

    /// <summary>Every registered flow, by name.</summary>
    public static IReadOnlyList<FlowDescriptor> All => Flows.Values.OrderBy(f => f.Name, StringComparer.Ordinal).ToArray();

    /// <summary>Registers a flow. Called by generated code; a second flow with the same name is an error.</summary>
    public static void Register(FlowDescriptor flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var existing = Flows.GetOrAdd(Normalize(flow.Name), flow);
        if (!ReferenceEquals(existing, flow) && existing.Method != flow.Method)
        {
            throw new InvalidOperationException($"FLOWS2005: two flows are named '{flow.Name}': {existing.Method} and {flow.Method}. Give one of them another name with [Flow(\"...\")].");
        }
    }

    /// <summary>Finds a flow by name, or null.</summary>
    public static FlowDescriptor? Find(string name) => Flows.TryGetValue(Normalize(name), out var flow) ? flow : null;

    private static string Normalize(string name) => name.Replace('_', '-');
}
