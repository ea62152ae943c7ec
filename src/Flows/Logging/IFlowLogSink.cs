namespace Flows;

/// <summary>Receives every run-logger record: the console, a test capture, the API log shipper.</summary>
public interface IFlowLogSink
{
    /// <summary>Takes one record. Must not throw and must not block for long: it runs on the flow's thread.</summary>
    void Write(FlowLogRecord record);
}
