using System.Text.Json;

namespace Flows.Api.Models;

/// <summary>Body of <c>POST /work_pools/</c>. An empty or absent base job template gets the type's default.</summary>
public sealed record WorkPoolCreate
{
    public required string Name { get; init; }
    public string? Description { get; init; }
    public string? Type { get; init; }
    public JsonElement? BaseJobTemplate { get; init; }
    public bool? IsPaused { get; init; }
    public int? ConcurrencyLimit { get; init; }
}

/// <summary>Body of <c>PATCH /work_pools/{name}</c>.</summary>
public sealed record WorkPoolUpdate
{
    public string? Description { get; init; }
    public bool? IsPaused { get; init; }
    public JsonElement? BaseJobTemplate { get; init; }
    public int? ConcurrencyLimit { get; init; }
}

/// <summary>A work pool as the server returns it.</summary>
public sealed record WorkPool
{
    public required Guid Id { get; init; }
    public DateTimeOffset? Created { get; init; }
    public DateTimeOffset? Updated { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    public required string Type { get; init; }
    public JsonElement? BaseJobTemplate { get; init; }
    public bool IsPaused { get; init; }
    public int? ConcurrencyLimit { get; init; }
    public WorkPoolStatus? Status { get; init; }
    public Guid? DefaultQueueId { get; init; }
}

/// <summary>Body of <c>POST /work_pools/{pool}/queues</c>.</summary>
public sealed record WorkQueueCreate
{
    public required string Name { get; init; }
    public string? Description { get; init; }
    public bool? IsPaused { get; init; }
    public int? ConcurrencyLimit { get; init; }
    public int? Priority { get; init; }
}

/// <summary>A work queue as the server returns it.</summary>
public sealed record WorkQueue
{
    public required Guid Id { get; init; }
    public DateTimeOffset? Created { get; init; }
    public DateTimeOffset? Updated { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    public bool IsPaused { get; init; }
    public int? ConcurrencyLimit { get; init; }
    public int Priority { get; init; } = 1;
    public Guid? WorkPoolId { get; init; }
    public DateTimeOffset? LastPolled { get; init; }
    public string? WorkPoolName { get; init; }
    public WorkQueueStatus? Status { get; init; }
}

/// <summary>Body of <c>POST /work_pools/{pool}/get_scheduled_flow_runs</c>.</summary>
public sealed record GetScheduledFlowRunsRequest
{
    public IList<string>? WorkQueueNames { get; init; }
    public DateTimeOffset? ScheduledBefore { get; init; }
    public DateTimeOffset? ScheduledAfter { get; init; }
    public int? Limit { get; init; }
}

/// <summary>One run a worker may submit.</summary>
public sealed record WorkerFlowRunResponse
{
    public required Guid WorkPoolId { get; init; }
    public required Guid WorkQueueId { get; init; }
    public required FlowRun FlowRun { get; init; }
}

/// <summary>Body of <c>POST /work_pools/{pool}/workers/heartbeat</c>.</summary>
public sealed record WorkerHeartbeat
{
    public required string Name { get; init; }
    public int? HeartbeatIntervalSeconds { get; init; }
}

/// <summary>A worker as the server returns it.</summary>
public sealed record Worker
{
    public required Guid Id { get; init; }
    public DateTimeOffset? Created { get; init; }
    public DateTimeOffset? Updated { get; init; }
    public required string Name { get; init; }
    public required Guid WorkPoolId { get; init; }
    public DateTimeOffset? LastHeartbeatTime { get; init; }
    public int? HeartbeatIntervalSeconds { get; init; }
    public WorkerStatus Status { get; init; } = WorkerStatus.Offline;
}
