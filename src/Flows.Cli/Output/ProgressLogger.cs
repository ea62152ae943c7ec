using Microsoft.Extensions.Logging;

namespace Flows.Cli.Output;

/// <summary>The engine's information and warnings as progress lines on stderr (stdout stays the command's result, so
/// <c>-o json</c> can be piped). Messages are the engine's own; none carries a credential.</summary>
internal sealed class ProgressLogger(TextWriter error) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var prefix = logLevel >= LogLevel.Warning ? "warning: " : "";
        lock (error)
        {
            error.WriteLine($"{prefix}{formatter(state, exception)}");
        }
    }
}
