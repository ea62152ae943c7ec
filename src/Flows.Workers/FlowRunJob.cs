using System.Text.Json.Nodes;

namespace Flows.Workers;

/// <summary>A claimed flow run with its rendered job configuration and the environment its runner needs.</summary>
/// <param name="FlowRunId">The run.</param>
/// <param name="FlowRunName">Its generated name (used for process and container names).</param>
/// <param name="Configuration">The job configuration rendered from the pool's base job template.</param>
/// <param name="Environment">Variables for the runner: the template's <c>env</c> plus PREFECT__FLOW_RUN_ID and the API settings.</param>
/// <param name="Context">What the run belongs to (flow, deployment, pool, worker), for Prefect's <c>prefect.io/*</c> labels; null when unknown.</param>
/// <param name="ExistingInfrastructureId">Set when a worker re-attaches after a restart: the run's recorded infrastructure id. The
/// infrastructure watches what it created then (a container, a process) instead of creating another.</param>
public sealed record FlowRunJob(Guid FlowRunId, string FlowRunName, JsonObject Configuration, IReadOnlyDictionary<string, string> Environment, FlowRunContext? Context = null, string? ExistingInfrastructureId = null);

/// <summary>The names and ids around a flow run that Prefect's workers put on the infrastructure as labels.</summary>
public sealed record FlowRunContext
{
    public Guid? FlowId { get; init; }

    public string? FlowName { get; init; }

    public Guid? DeploymentId { get; init; }

    public string? DeploymentName { get; init; }

    public Guid? WorkPoolId { get; init; }

    public string? WorkPoolName { get; init; }

    public string? WorkerName { get; init; }
}
