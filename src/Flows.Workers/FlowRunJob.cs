using System.Text.Json.Nodes;

namespace Flows.Workers;

/// <summary>A claimed flow run with its rendered job configuration and the environment its runner needs.</summary>
/// <param name="FlowRunId">The run.</param>
/// <param name="FlowRunName">Its generated name (used for process and container names).</param>
/// <param name="Configuration">The job configuration rendered from the pool's base job template.</param>
/// <param name="Environment">Variables for the runner: the template's <c>env</c> plus PREFECT__FLOW_RUN_ID and the API settings.</param>
public sealed record FlowRunJob(Guid FlowRunId, string FlowRunName, JsonObject Configuration, IReadOnlyDictionary<string, string> Environment);
