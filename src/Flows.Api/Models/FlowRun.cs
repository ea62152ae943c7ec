using System.Text.Json;

namespace Flows.Api.Models;

/// <summary>Retry settings of a flow run.</summary>
public sealed record FlowRunPolicy
{
    public int? MaxRetries { get; init; }
    public double? RetryDelaySeconds { get; init; }
    public int? Retries { get; init; }
    public int? RetryDelay { get; init; }
    public IList<string>? PauseKeys { get; init; }
    public bool? Resuming { get; init; }
    public string? RetryType { get; init; }
}

/// <summary>A flow run as the server returns it (FlowRunResponse; FlowRun inside WorkerFlowRunResponse).</summary>
public sealed record FlowRun
{
    public required Guid Id { get; init; }
    public DateTimeOffset? Created { get; init; }
    public DateTimeOffset? Updated { get; init; }
    public string? Name { get; init; }
    public required Guid FlowId { get; init; }
    public Guid? StateId { get; init; }
    public Guid? DeploymentId { get; init; }
    public string? DeploymentVersion { get; init; }
    public Guid? WorkQueueId { get; init; }
    public string? WorkQueueName { get; init; }
    public string? FlowVersion { get; init; }
    public IDictionary<string, JsonElement> Parameters { get; init; } = new Dictionary<string, JsonElement>();
    public string? IdempotencyKey { get; init; }
    public IDictionary<string, JsonElement> Context { get; init; } = new Dictionary<string, JsonElement>();
    public FlowRunPolicy EmpiricalPolicy { get; init; } = new();
    public IList<string> Tags { get; init; } = [];
    public IDictionary<string, JsonElement>? Labels { get; init; }
    public Guid? ParentTaskRunId { get; init; }
    public StateType? StateType { get; init; }
    public string? StateName { get; init; }
    public int RunCount { get; init; }
    public DateTimeOffset? ExpectedStartTime { get; init; }
    public DateTimeOffset? NextScheduledStartTime { get; init; }
    public DateTimeOffset? StartTime { get; init; }
    public DateTimeOffset? EndTime { get; init; }
    public double TotalRunTime { get; init; }
    public double EstimatedRunTime { get; init; }
    public double EstimatedStartTimeDelta { get; init; }
    public bool AutoScheduled { get; init; }
    public string? InfrastructurePid { get; init; }
    /// <summary>Only in FlowRunResponse (left out inside WorkerFlowRunResponse's FlowRun).</summary>
    public Guid? WorkPoolId { get; init; }
    /// <summary>Only in FlowRunResponse.</summary>
    public string? WorkPoolName { get; init; }
    public State? State { get; init; }
    public IDictionary<string, JsonElement>? JobVariables { get; init; }
}

/// <summary>Body of <c>PATCH /flow_runs/{id}</c>: only the fields set are changed.</summary>
public sealed record FlowRunUpdate
{
    public string? Name { get; init; }
    public string? FlowVersion { get; init; }
    public IDictionary<string, JsonElement>? Parameters { get; init; }
    public FlowRunPolicy? EmpiricalPolicy { get; init; }
    public IList<string>? Tags { get; init; }
    public string? InfrastructurePid { get; init; }
    public IDictionary<string, JsonElement>? JobVariables { get; init; }
}
