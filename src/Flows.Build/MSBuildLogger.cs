using Microsoft.Build.Utilities;
using Microsoft.Extensions.Logging;

namespace Flows.Build;

/// <summary>The engine logs through ILogger; inside a task that becomes MSBuild messages. Engine warnings that users
/// must act on are returned as coded diagnostics and logged by the task, so here even Warning maps to a high-importance
/// message: a transient registry retry must not fail a build that treats warnings as errors.</summary>
internal sealed class MSBuildLogger(TaskLoggingHelper log) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var message = formatter(state, exception);
        if (logLevel >= LogLevel.Error)
        {
            log.LogError(message);
        }
        else
        {
            log.LogMessage(Microsoft.Build.Framework.MessageImportance.High, message);
        }
    }
}
