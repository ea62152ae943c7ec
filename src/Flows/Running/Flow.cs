using Microsoft.Extensions.Logging;

namespace Flows;

/// <summary>Access to the flow run the calling code is part of.</summary>
public static class Flow
{
    private static readonly AsyncLocal<FlowRun?> Current = new();

    /// <summary>The flow run the calling code runs in, or null outside any flow.</summary>
    public static FlowRun? CurrentRun => Current.Value;

    /// <summary>
    /// The run logger of the current flow run, as Prefect's <c>get_run_logger()</c>. Its records carry the run id,
    /// run name and flow name, reach every configured sink (console by default) and, when deployed, the API's logs.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called outside a flow run.</exception>
    public static ILogger GetRunLogger() =>
        Current.Value?.Logger
        ?? throw new InvalidOperationException("FLOWS2010: Flow.GetRunLogger() was called outside a flow run. Call it from code a [Flow] method runs.");

    internal static FlowRun? Enter(FlowRun run)
    {
        var previous = Current.Value;
        Current.Value = run;
        return previous;
    }

    internal static void Exit(FlowRun? previous) => Current.Value = previous;
}
