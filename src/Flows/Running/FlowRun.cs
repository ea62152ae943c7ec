using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Flows;

/// <summary>
/// A flow run: its identity, parameters, tags and state history. The current one is <see cref="Flow.CurrentRun"/>
/// while the flow's code runs.
/// </summary>
public sealed class FlowRun
{
    private readonly List<FlowRunState> _states = [];
    private readonly object _gate = new();

    internal FlowRun(Guid id, string name, string flowName, IReadOnlyList<string> tags, JsonObject parameters, FlowRun? parent)
    {
        Id = id;
        Name = name;
        FlowName = flowName;
        Tags = tags;
        Parameters = parameters;
        Parent = parent;
        Logger = new FlowRunLogger(this);
    }

    /// <summary>The run's id (the API's flow run id when deployed, a new one when run locally).</summary>
    public Guid Id { get; }

    /// <summary>The generated (or given) run name, e.g. <c>witty-otter</c>.</summary>
    public string Name { get; }

    /// <summary>The flow's name.</summary>
    public string FlowName { get; }

    /// <summary>Tags: those in scope of <see cref="FlowTags.Use(string[])"/> when the run started, plus any given.</summary>
    public IReadOnlyList<string> Tags { get; }

    /// <summary>The parameters the run received, defaults included, as JSON.</summary>
    public JsonObject Parameters { get; }

    /// <summary>The run that was current when this one started (a subflow's parent), or null.</summary>
    public FlowRun? Parent { get; }

    /// <summary>The run logger: records carry the run id, run name and flow name.</summary>
    public ILogger Logger { get; }

    /// <summary>The current state.</summary>
    public FlowRunState State
    {
        get
        {
            lock (_gate)
            {
                return _states[^1];
            }
        }
    }

    /// <summary>Every state the run has been in, oldest first.</summary>
    public IReadOnlyList<FlowRunState> States
    {
        get
        {
            lock (_gate)
            {
                return _states.ToArray();
            }
        }
    }

    /// <summary>The flow's return value once Completed (boxed), else null.</summary>
    public object? Result { get; internal set; }

    /// <summary>The exception that failed the run, else null.</summary>
    public Exception? Exception { get; internal set; }

    internal void SetState(FlowRunState state)
    {
        lock (_gate)
        {
            _states.Add(state);
        }
    }
}
