using System.Text.Json;

namespace Flows.Api.Models;

/// <summary>Details that travel with a state (scheduled time, retriable, …).</summary>
public sealed record StateDetails
{
    public Guid? FlowRunId { get; init; }
    public Guid? TaskRunId { get; init; }
    public Guid? ChildFlowRunId { get; init; }
    public DateTimeOffset? ScheduledTime { get; init; }
    public string? CacheKey { get; init; }
    public DateTimeOffset? CacheExpiration { get; init; }
    public bool? Deferred { get; init; }
    public bool? UntrackableResult { get; init; }
    public DateTimeOffset? PauseTimeout { get; init; }
    public bool? PauseReschedule { get; init; }
    public string? PauseKey { get; init; }
    public bool? Retriable { get; init; }
    public Guid? TransitionId { get; init; }
    public string? Traceparent { get; init; }
}

/// <summary>A state a client proposes.</summary>
public sealed record StateCreate
{
    public required StateType Type { get; init; }
    public string? Name { get; init; }
    public string? Message { get; init; }
    public JsonElement? Data { get; init; }
    public StateDetails? StateDetails { get; init; }
}

/// <summary>A state as stored and returned.</summary>
public sealed record State
{
    public required Guid Id { get; init; }
    public required StateType Type { get; init; }
    public string? Name { get; init; }
    public DateTimeOffset? Timestamp { get; init; }
    public string? Message { get; init; }
    public JsonElement? Data { get; init; }
    public StateDetails StateDetails { get; init; } = new();
}

/// <summary>Body of <c>POST /flow_runs/{id}/set_state</c>.</summary>
public sealed record SetStateRequest
{
    public required StateCreate State { get; init; }
    public bool? Force { get; init; }
}

/// <summary>Why the server decided as it did; <c>type</c> is accept_details, reject_details, abort_details or wait_details.</summary>
public sealed record OrchestrationDetails
{
    public required string Type { get; init; }
    public string? Reason { get; init; }
    /// <summary>Set with wait_details: how long to wait before proposing again.</summary>
    public int? DelaySeconds { get; init; }
}

/// <summary>The answer to a proposed state.</summary>
public sealed record OrchestrationResult
{
    public State? State { get; init; }
    public required SetStateStatus Status { get; init; }
    public required OrchestrationDetails Details { get; init; }
}
