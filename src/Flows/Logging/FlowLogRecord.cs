using Microsoft.Extensions.Logging;

namespace Flows;

/// <summary>A structured log record written through a run logger.</summary>
/// <param name="FlowRunId">The flow run's id.</param>
/// <param name="FlowRunName">The flow run's name.</param>
/// <param name="FlowName">The flow's name.</param>
/// <param name="Level">The level.</param>
/// <param name="Message">The formatted message.</param>
/// <param name="Timestamp">When it was written.</param>
/// <param name="Exception">The exception logged with it, if any.</param>
/// <param name="Properties">The message template's named values (and <c>{OriginalFormat}</c>).</param>
public sealed record FlowLogRecord(
    Guid FlowRunId,
    string FlowRunName,
    string FlowName,
    LogLevel Level,
    string Message,
    DateTimeOffset Timestamp,
    Exception? Exception,
    IReadOnlyList<KeyValuePair<string, object?>> Properties);
