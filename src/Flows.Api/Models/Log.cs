namespace Flows.Api.Models;

/// <summary>One log line sent in a <c>POST /logs/</c> batch.</summary>
public sealed record LogCreate
{
    public required string Name { get; init; }
    public required int Level { get; init; }
    public required string Message { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public Guid? FlowRunId { get; init; }
    public Guid? TaskRunId { get; init; }
}

/// <summary>A stored log line.</summary>
public sealed record Log
{
    public required Guid Id { get; init; }
    public DateTimeOffset? Created { get; init; }
    public DateTimeOffset? Updated { get; init; }
    public required string Name { get; init; }
    public required int Level { get; init; }
    public required string Message { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public Guid? FlowRunId { get; init; }
    public Guid? TaskRunId { get; init; }
}

/// <summary>Python logging levels, which Prefect uses.</summary>
public static class LogLevels
{
    public const int Debug = 10;
    public const int Info = 20;
    public const int Warning = 30;
    public const int Error = 40;
    public const int Critical = 50;
}
