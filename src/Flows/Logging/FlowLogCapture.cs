using System.Collections.Concurrent;

namespace Flows;

/// <summary>A sink that keeps records in memory, for tests and for tools that show a run's logs.</summary>
public sealed class FlowLogCapture : IFlowLogSink
{
    private readonly ConcurrentQueue<FlowLogRecord> _records = new();

    /// <summary>The records received so far, in order.</summary>
    public IReadOnlyList<FlowLogRecord> Records => _records.ToArray();

    /// <inheritdoc />
    public void Write(FlowLogRecord record) => _records.Enqueue(record);
}
