using System.Text.Json.Serialization;

namespace Flows.Api.Models;

// Prefect's filter objects: each field is optional and the set ones are and-ed. Only the criteria this
// project serves are modelled; Prefect's names end in an underscore (any_, like_, before_).

/// <summary>Match by id.</summary>
public sealed record IdFilter
{
    [JsonPropertyName("any_")] public IList<Guid>? Any { get; init; }
    [JsonPropertyName("not_any_")] public IList<Guid>? NotAny { get; init; }
}

/// <summary>Match by name: any of, or a case-insensitive substring.</summary>
public sealed record NameFilter
{
    [JsonPropertyName("any_")] public IList<string>? Any { get; init; }
    [JsonPropertyName("like_")] public string? Like { get; init; }
}

/// <summary>Match by tags: all of (superset), any of, or none at all.</summary>
public sealed record TagsFilter
{
    [JsonPropertyName("all_")] public IList<string>? All { get; init; }
    [JsonPropertyName("any_")] public IList<string>? Any { get; init; }
    [JsonPropertyName("is_null_")] public bool? IsNull { get; init; }
}

/// <summary>Match by a list of strings (names, types).</summary>
public sealed record AnyStringFilter
{
    [JsonPropertyName("any_")] public IList<string>? Any { get; init; }
}

/// <summary>Match a time range (inclusive).</summary>
public sealed record TimeFilter
{
    [JsonPropertyName("before_")] public DateTimeOffset? Before { get; init; }
    [JsonPropertyName("after_")] public DateTimeOffset? After { get; init; }
}

/// <summary>Criteria on flows.</summary>
public sealed record FlowFilter
{
    public IdFilter? Id { get; init; }
    public NameFilter? Name { get; init; }
    public TagsFilter? Tags { get; init; }
}

/// <summary>Criteria on deployments.</summary>
public sealed record DeploymentFilter
{
    public IdFilter? Id { get; init; }
    public NameFilter? Name { get; init; }
    public TagsFilter? Tags { get; init; }
    public AnyStringFilter? WorkQueueName { get; init; }
}

/// <summary>Criteria on flow run states.</summary>
public sealed record FlowRunStateFilter
{
    public StateTypeFilter? Type { get; init; }
    public StateNameFilter? Name { get; init; }
}

/// <summary>Match by state type.</summary>
public sealed record StateTypeFilter
{
    [JsonPropertyName("any_")] public IList<StateType>? Any { get; init; }
    [JsonPropertyName("not_any_")] public IList<StateType>? NotAny { get; init; }
}

/// <summary>Match by state name.</summary>
public sealed record StateNameFilter
{
    [JsonPropertyName("any_")] public IList<string>? Any { get; init; }
    [JsonPropertyName("not_any_")] public IList<string>? NotAny { get; init; }
}

/// <summary>Match by deployment id.</summary>
public sealed record DeploymentIdFilter
{
    [JsonPropertyName("any_")] public IList<Guid>? Any { get; init; }
    [JsonPropertyName("is_null_")] public bool? IsNull { get; init; }
}

/// <summary>Criteria on flow runs.</summary>
public sealed record FlowRunFilter
{
    public IdFilter? Id { get; init; }
    public NameFilter? Name { get; init; }
    public TagsFilter? Tags { get; init; }
    public DeploymentIdFilter? DeploymentId { get; init; }
    public AnyStringFilter? WorkQueueName { get; init; }
    public FlowRunStateFilter? State { get; init; }
    public TimeFilter? ExpectedStartTime { get; init; }
    public TimeFilter? NextScheduledStartTime { get; init; }
    public TimeFilter? StartTime { get; init; }
    public TimeFilter? EndTime { get; init; }
}

/// <summary>Criteria on work pools.</summary>
public sealed record WorkPoolFilter
{
    public IdFilter? Id { get; init; }
    public AnyStringFilter? Name { get; init; }
    public AnyStringFilter? Type { get; init; }
}

/// <summary>Criteria on logs.</summary>
public sealed record LogFilter
{
    public LevelFilter? Level { get; init; }
    public TimeFilter? Timestamp { get; init; }
    public IdFilter? FlowRunId { get; init; }
    public IdFilter? TaskRunId { get; init; }
}

/// <summary>Match by log level (inclusive).</summary>
public sealed record LevelFilter
{
    [JsonPropertyName("ge_")] public int? Ge { get; init; }
    [JsonPropertyName("le_")] public int? Le { get; init; }
}

/// <summary>Criteria on workers.</summary>
public sealed record WorkerFilter
{
    public TimeFilter? LastHeartbeatTime { get; init; }
    public WorkerStatusFilter? Status { get; init; }
}

/// <summary>Match by worker status.</summary>
public sealed record WorkerStatusFilter
{
    [JsonPropertyName("any_")] public IList<WorkerStatus>? Any { get; init; }
    [JsonPropertyName("not_any_")] public IList<WorkerStatus>? NotAny { get; init; }
}

/// <summary>Body of <c>POST /flows/filter</c>.</summary>
public sealed record FlowFilterRequest
{
    public FlowFilter? Flows { get; init; }
    public DeploymentFilter? Deployments { get; init; }
    /// <summary>CREATED_DESC, UPDATED_DESC, NAME_ASC (default) or NAME_DESC.</summary>
    public string? Sort { get; init; }
    public int? Offset { get; init; }
    public int? Limit { get; init; }
}

/// <summary>Body of <c>POST /deployments/filter</c>.</summary>
public sealed record DeploymentFilterRequest
{
    public FlowFilter? Flows { get; init; }
    public DeploymentFilter? Deployments { get; init; }
    public WorkPoolFilter? WorkPools { get; init; }
    /// <summary>CREATED_DESC, UPDATED_DESC, NAME_ASC (default) or NAME_DESC.</summary>
    public string? Sort { get; init; }
    public int? Offset { get; init; }
    public int? Limit { get; init; }
}

/// <summary>Body of <c>POST /flow_runs/filter</c>.</summary>
public sealed record FlowRunFilterRequest
{
    public FlowFilter? Flows { get; init; }
    public FlowRunFilter? FlowRuns { get; init; }
    public DeploymentFilter? Deployments { get; init; }
    public WorkPoolFilter? WorkPools { get; init; }
    /// <summary>ID_DESC (default), START_TIME_ASC|DESC, EXPECTED_START_TIME_ASC|DESC, NAME_ASC|DESC, NEXT_SCHEDULED_START_TIME_ASC, END_TIME_DESC.</summary>
    public string? Sort { get; init; }
    public int? Offset { get; init; }
    public int? Limit { get; init; }
}

/// <summary>Body of <c>POST /work_pools/filter</c>.</summary>
public sealed record WorkPoolFilterRequest
{
    public WorkPoolFilter? WorkPools { get; init; }
    public int? Offset { get; init; }
    public int? Limit { get; init; }
}

/// <summary>Body of <c>POST /work_pools/{pool}/workers/filter</c>.</summary>
public sealed record WorkerFilterRequest
{
    public WorkerFilter? Workers { get; init; }
    public int? Offset { get; init; }
    public int? Limit { get; init; }
}

/// <summary>Body of <c>POST /logs/filter</c>.</summary>
public sealed record LogFilterRequest
{
    public LogFilter? Logs { get; init; }
    /// <summary>TIMESTAMP_ASC (default) or TIMESTAMP_DESC.</summary>
    public string? Sort { get; init; }
    public int? Offset { get; init; }
    public int? Limit { get; init; }
}
