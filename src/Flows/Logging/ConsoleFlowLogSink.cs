using Microsoft.Extensions.Logging;

namespace Flows;

/// <summary>Writes records to standard output in Prefect's console format:
/// <c>12:00:00.000 | INFO    | Flow run 'witty-otter' - Hello, Marvin!</c>.</summary>
public sealed class ConsoleFlowLogSink : IFlowLogSink
{
    private static readonly object Gate = new();

    private ConsoleFlowLogSink()
    {
    }

    /// <summary>The process-wide console sink.</summary>
    public static ConsoleFlowLogSink Instance { get; } = new();

    /// <summary>Formats one record as a console line (the exception, if any, on the following lines).</summary>
    public static string Format(FlowLogRecord record)
    {
        var line = $"{record.Timestamp.ToLocalTime():HH:mm:ss.fff} | {LevelName(record.Level),-8}| Flow run '{record.FlowRunName}' - {record.Message}";
        return record.Exception is null ? line : line + Environment.NewLine + record.Exception;
    }

    /// <summary>Prefect's level names.</summary>
    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        LogLevel.Critical => "CRITICAL",
        _ => "NOTSET",
    };

    /// <inheritdoc />
    public void Write(FlowLogRecord record)
    {
        var text = Format(record);
        lock (Gate)
        {
            Console.Out.WriteLine(text);
        }
    }
}
