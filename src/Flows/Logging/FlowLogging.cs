using System.Collections.Immutable;
using Microsoft.Extensions.Logging;

namespace Flows;

/// <summary>
/// Where run-logger records go. Process-wide sinks (the console by default) plus sinks scoped to the current
/// async flow, which is how tests and the deployed runner capture one run's records without seeing another's.
/// </summary>
public static class FlowLogging
{
    private static readonly AsyncLocal<ImmutableArray<IFlowLogSink>> Scoped = new();
    private static ImmutableArray<IFlowLogSink> _global = [ConsoleFlowLogSink.Instance];

    /// <summary>Records below this level are dropped. Default Information, as Prefect's default.</summary>
    public static LogLevel MinimumLevel { get; set; } = LogLevel.Information;

    /// <summary>Adds a process-wide sink.</summary>
    public static void AddSink(IFlowLogSink sink) => ImmutableInterlocked.Update(ref _global, s => s.Add(sink));

    /// <summary>Removes a process-wide sink (the console one is <see cref="ConsoleFlowLogSink.Instance"/>).</summary>
    public static void RemoveSink(IFlowLogSink sink) => ImmutableInterlocked.Update(ref _global, s => s.Remove(sink));

    /// <summary>Sends the records written in this async flow to <paramref name="sink"/> until disposed.</summary>
    public static IDisposable Capture(IFlowLogSink sink)
    {
        var previous = Scoped.Value;
        Scoped.Value = (previous.IsDefault ? [] : previous).Add(sink);
        return new Restore(previous);
    }

    internal static void Dispatch(FlowLogRecord record)
    {
        foreach (var sink in _global)
        {
            sink.Write(record);
        }

        var scoped = Scoped.Value;
        if (!scoped.IsDefault)
        {
            foreach (var sink in scoped)
            {
                sink.Write(record);
            }
        }
    }

    private sealed class Restore(ImmutableArray<IFlowLogSink> previous) : IDisposable
    {
        public void Dispose() => Scoped.Value = previous;
    }
}
