using Microsoft.Extensions.Logging;

namespace Flows;

/// <summary>The run logger: an <see cref="ILogger"/> whose records carry the run's identity.</summary>
internal sealed class FlowRunLogger(FlowRun run) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= FlowLogging.MinimumLevel;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        IReadOnlyList<KeyValuePair<string, object?>> properties = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
        FlowLogging.Dispatch(new FlowLogRecord(
            run.Id,
            run.Name,
            run.FlowName,
            logLevel,
            formatter(state, exception),
            DateTimeOffset.UtcNow,
            exception,
            properties));
    }
}
