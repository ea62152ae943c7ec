namespace Flows.Deployed;

/// <summary>The server refused to let this process run the flow run (another process has it, or it was cancelled).</summary>
public sealed class FlowRunAbortedException : Exception
{
    public FlowRunAbortedException()
    {
    }

    public FlowRunAbortedException(string message)
        : base(message)
    {
    }

    public FlowRunAbortedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
