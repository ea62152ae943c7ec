using System.Text.Json;
using System.Text.Json.Serialization;
using Flows.Api.Models;

namespace Flows.Api.Json;

/// <summary>
/// Compile-time serialization metadata for every API model, so the client needs neither reflection nor runtime
/// code generation (a trimmed or Native AOT flow image carries it). The options here are Prefect's wire format,
/// the same as <see cref="PrefectJson.Options"/>: snake_case names, upper snake case enums, nulls left out,
/// UTC timestamps with microseconds. A model added to <c>Models/</c> must be listed here
/// (<c>PrefectJsonContextTests</c> fails otherwise).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    PropertyNameCaseInsensitive = false,
    Converters = [
        typeof(UtcDateTimeOffsetConverter),
        typeof(PrefectEnumConverter<StateType>),
        typeof(PrefectEnumConverter<SetStateStatus>),
        typeof(PrefectEnumConverter<WorkPoolStatus>),
        typeof(PrefectEnumConverter<WorkQueueStatus>),
        typeof(PrefectEnumConverter<DeploymentStatus>),
        typeof(PrefectEnumConverter<WorkerStatus>)])]
[JsonSerializable(typeof(DeploymentCreate))]
[JsonSerializable(typeof(DeploymentUpdate))]
[JsonSerializable(typeof(DeploymentResponse))]
[JsonSerializable(typeof(DeploymentFlowRunCreate))]
[JsonSerializable(typeof(Event))]
[JsonSerializable(typeof(IdFilter))]
[JsonSerializable(typeof(NameFilter))]
[JsonSerializable(typeof(TagsFilter))]
[JsonSerializable(typeof(AnyStringFilter))]
[JsonSerializable(typeof(TimeFilter))]
[JsonSerializable(typeof(FlowFilter))]
[JsonSerializable(typeof(DeploymentFilter))]
[JsonSerializable(typeof(FlowRunStateFilter))]
[JsonSerializable(typeof(StateTypeFilter))]
[JsonSerializable(typeof(StateNameFilter))]
[JsonSerializable(typeof(DeploymentIdFilter))]
[JsonSerializable(typeof(FlowRunFilter))]
[JsonSerializable(typeof(WorkPoolFilter))]
[JsonSerializable(typeof(LogFilter))]
[JsonSerializable(typeof(LevelFilter))]
[JsonSerializable(typeof(WorkerFilter))]
[JsonSerializable(typeof(WorkerStatusFilter))]
[JsonSerializable(typeof(FlowFilterRequest))]
[JsonSerializable(typeof(DeploymentFilterRequest))]
[JsonSerializable(typeof(FlowRunFilterRequest))]
[JsonSerializable(typeof(WorkPoolFilterRequest))]
[JsonSerializable(typeof(WorkerFilterRequest))]
[JsonSerializable(typeof(LogFilterRequest))]
[JsonSerializable(typeof(FlowCreate))]
[JsonSerializable(typeof(Flow))]
[JsonSerializable(typeof(FlowRunPolicy))]
[JsonSerializable(typeof(FlowRun))]
[JsonSerializable(typeof(FlowRunUpdate))]
[JsonSerializable(typeof(LogCreate))]
[JsonSerializable(typeof(Log))]
[JsonSerializable(typeof(Schedule))]
[JsonSerializable(typeof(DeploymentScheduleCreate))]
[JsonSerializable(typeof(DeploymentSchedule))]
[JsonSerializable(typeof(StateDetails))]
[JsonSerializable(typeof(StateCreate))]
[JsonSerializable(typeof(State))]
[JsonSerializable(typeof(SetStateRequest))]
[JsonSerializable(typeof(OrchestrationDetails))]
[JsonSerializable(typeof(OrchestrationResult))]
[JsonSerializable(typeof(Variable))]
[JsonSerializable(typeof(VariableCreate))]
[JsonSerializable(typeof(WorkPoolCreate))]
[JsonSerializable(typeof(WorkPoolUpdate))]
[JsonSerializable(typeof(WorkPool))]
[JsonSerializable(typeof(WorkQueueCreate))]
[JsonSerializable(typeof(WorkQueue))]
[JsonSerializable(typeof(GetScheduledFlowRunsRequest))]
[JsonSerializable(typeof(WorkerFlowRunResponse))]
[JsonSerializable(typeof(WorkerHeartbeat))]
[JsonSerializable(typeof(Worker))]
[JsonSerializable(typeof(List<DeploymentResponse>))]
[JsonSerializable(typeof(List<Flow>))]
[JsonSerializable(typeof(List<FlowRun>))]
[JsonSerializable(typeof(List<Log>))]
[JsonSerializable(typeof(List<WorkPool>))]
[JsonSerializable(typeof(List<WorkerFlowRunResponse>))]
[JsonSerializable(typeof(List<Worker>))]
[JsonSerializable(typeof(List<Event>))]
[JsonSerializable(typeof(List<LogCreate>))]
[JsonSerializable(typeof(List<WorkQueue>))]
[JsonSerializable(typeof(List<Variable>))]
[JsonSerializable(typeof(List<DeploymentSchedule>))]
[JsonSerializable(typeof(List<State>))]
[JsonSerializable(typeof(StateType))]
[JsonSerializable(typeof(SetStateStatus))]
[JsonSerializable(typeof(WorkPoolStatus))]
[JsonSerializable(typeof(WorkQueueStatus))]
[JsonSerializable(typeof(DeploymentStatus))]
[JsonSerializable(typeof(WorkerStatus))]
// Payloads that are any JSON (parameters, job variables, labels) and the scalar answers (/health, /version).
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(IDictionary<string, JsonElement>))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSerializable(typeof(List<object>))]
[JsonSerializable(typeof(object))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(decimal))]
[JsonSerializable(typeof(Guid))]
[JsonSerializable(typeof(DateTimeOffset))]
public sealed partial class PrefectJsonContext : JsonSerializerContext;
