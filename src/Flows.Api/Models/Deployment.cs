using System.Text.Json;

namespace Flows.Api.Models;

/// <summary>Body of <c>POST /deployments/</c>: upsert by (flow_id, name); schedules are replaced.</summary>
public sealed record DeploymentCreate
{
    public required string Name { get; init; }
    public required Guid FlowId { get; init; }
    public bool? Paused { get; init; }
    public IList<DeploymentScheduleCreate>? Schedules { get; init; }
    public int? ConcurrencyLimit { get; init; }
    public bool? EnforceParameterSchema { get; init; }
    public JsonElement? ParameterOpenapiSchema { get; init; }
    public IDictionary<string, JsonElement>? Parameters { get; init; }
    public IList<string>? Tags { get; init; }
    public IDictionary<string, JsonElement>? Labels { get; init; }
    public JsonElement? PullSteps { get; init; }
    public string? WorkQueueName { get; init; }
    public string? WorkPoolName { get; init; }
    public string? Description { get; init; }
    public string? Path { get; init; }
    public string? Version { get; init; }
    public string? Entrypoint { get; init; }
    public IDictionary<string, JsonElement>? JobVariables { get; init; }
}

/// <summary>Body of <c>PATCH /deployments/{id}</c>: only the fields set are changed.</summary>
public sealed record DeploymentUpdate
{
    public string? Version { get; init; }
    public string? Description { get; init; }
    public bool? Paused { get; init; }
    public IList<DeploymentScheduleCreate>? Schedules { get; init; }
    public int? ConcurrencyLimit { get; init; }
    public IDictionary<string, JsonElement>? Parameters { get; init; }
    public JsonElement? ParameterOpenapiSchema { get; init; }
    public IList<string>? Tags { get; init; }
    public string? WorkQueueName { get; init; }
    public string? WorkPoolName { get; init; }
    public string? Path { get; init; }
    public IDictionary<string, JsonElement>? JobVariables { get; init; }
    public JsonElement? PullSteps { get; init; }
    public string? Entrypoint { get; init; }
    public bool? EnforceParameterSchema { get; init; }
}

/// <summary>A deployment as the server returns it.</summary>
public sealed record DeploymentResponse
{
    public required Guid Id { get; init; }
    public DateTimeOffset? Created { get; init; }
    public DateTimeOffset? Updated { get; init; }
    public required string Name { get; init; }
    public string? Version { get; init; }
    public string? Description { get; init; }
    public required Guid FlowId { get; init; }
    public bool Paused { get; init; }
    public IList<DeploymentSchedule> Schedules { get; init; } = [];
    public int? ConcurrencyLimit { get; init; }
    public IDictionary<string, JsonElement> JobVariables { get; init; } = new Dictionary<string, JsonElement>();
    public IDictionary<string, JsonElement> Parameters { get; init; } = new Dictionary<string, JsonElement>();
    public IList<string> Tags { get; init; } = [];
    public IDictionary<string, JsonElement> Labels { get; init; } = new Dictionary<string, JsonElement>();
    public string? WorkQueueName { get; init; }
    public Guid? WorkQueueId { get; init; }
    public DateTimeOffset? LastPolled { get; init; }
    public JsonElement? ParameterOpenapiSchema { get; init; }
    public string? Path { get; init; }
    public JsonElement? PullSteps { get; init; }
    public string? Entrypoint { get; init; }
    public string? WorkPoolName { get; init; }
    public DeploymentStatus? Status { get; init; }
    public bool EnforceParameterSchema { get; init; } = true;
}

/// <summary>Body of <c>POST /deployments/{id}/create_flow_run</c>.</summary>
public sealed record DeploymentFlowRunCreate
{
    public StateCreate? State { get; init; }
    public string? Name { get; init; }
    public IDictionary<string, JsonElement>? Parameters { get; init; }
    public bool? EnforceParameterSchema { get; init; }
    public IDictionary<string, JsonElement>? Context { get; init; }
    public FlowRunPolicy? EmpiricalPolicy { get; init; }
    public IList<string>? Tags { get; init; }
    public string? IdempotencyKey { get; init; }
    public IDictionary<string, JsonElement>? Labels { get; init; }
    public Guid? ParentTaskRunId { get; init; }
    public string? WorkQueueName { get; init; }
    public IDictionary<string, JsonElement>? JobVariables { get; init; }
}
