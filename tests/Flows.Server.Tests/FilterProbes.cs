using System.Text.Json.Nodes;

namespace Flows.Server.Tests;

/// <summary>
/// One criterion tried on the seeded <see cref="FilterWorld"/>: the value put at <see cref="Path"/> inside a filter
/// object of <see cref="Component"/>, and the objects of that component's own resource it must select. For a path
/// ending in <c>operator</c> the value is the whole object that holds the operator.
/// </summary>
public sealed record FilterProbe(string Component, string Path, Func<FilterWorld, JsonNode> Value, params string[] Matches);

/// <summary>The probes, by OpenAPI filter component. Every implemented leaf needs one that selects something and one that leaves something out.</summary>
public static class FilterProbes
{
    private static JsonNode Ids(params Guid[] ids) => new JsonArray([.. ids.Select(i => JsonValue.Create(i.ToString()))]);

    private static JsonNode Strings(params string[] values) => new JsonArray([.. values.Select(v => JsonValue.Create(v))]);

    private static JsonNode Time(DateTimeOffset t) => JsonValue.Create(t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", System.Globalization.CultureInfo.InvariantCulture))!;

    private static JsonNode Obj(string json) => JsonNode.Parse(json)!;

    private static FilterProbe P(string component, string path, Func<FilterWorld, JsonNode> value, params string[] matches) => new(component, path, value, matches);

    /// <summary>An or_/and_ pair over two criteria: or_ selects <paramref name="union"/>, and_ <paramref name="intersection"/>.</summary>
    private static IEnumerable<FilterProbe> Operator(string component, string path, Func<FilterWorld, string> criteria, string[] union, string[] intersection)
    {
        yield return P(component, path, w => Obj($$"""{"operator": "or_", {{criteria(w)}}}"""), union);
        yield return P(component, path, w => Obj($$"""{"operator": "and_", {{criteria(w)}}}"""), intersection);
    }

    public static IReadOnlyList<FilterProbe> All { get; } =
    [
        // FlowFilter: flow-a, flow-b, flow-c
        P("FlowFilter", "id.any_", w => Ids(w["flowA"]), "flowA"),
        P("FlowFilter", "id.not_any_", w => Ids(w["flowB"], w["flowC"]), "flowA"),
        P("FlowFilter", "deployment.is_null_", _ => false, "flowA", "flowC"),
        P("FlowFilter", "deployment.is_null_", _ => true, "flowB"),
        P("FlowFilter", "name.any_", _ => Strings("flow-a"), "flowA"),
        P("FlowFilter", "name.like_", _ => "W-A", "flowA"),
        P("FlowFilter", "tags.all_", _ => Strings("ta"), "flowA"),
        P("FlowFilter", "tags.is_null_", _ => true, "flowB", "flowC"),
        .. Operator("FlowFilter", "operator", w => $"\"name\": {{\"any_\": [\"flow-a\"]}}, \"id\": {{\"any_\": [\"{w["flowB"]}\"]}}", ["flowA", "flowB"], []),
        P("FlowFilter", "deployment.operator", _ => Obj("""{"operator": "or_", "is_null_": false}"""), "flowA", "flowC"),
        P("FlowFilter", "deployment.operator", _ => Obj("""{"operator": "and_", "is_null_": true}"""), "flowB"),
        .. Operator("FlowFilter", "tags.operator", _ => "\"all_\": [\"ta\"], \"is_null_\": true", ["flowA", "flowB", "flowC"], []),

        // FlowRunFilter: run-a (Completed, from dep-a), run-b (Scheduled a day ahead, no deployment)
        P("FlowRunFilter", "id.any_", w => Ids(w["runA"]), "runA"),
        P("FlowRunFilter", "id.not_any_", w => Ids(w["runB"]), "runA"),
        P("FlowRunFilter", "name.any_", _ => Strings("run-b"), "runB"),
        P("FlowRunFilter", "name.like_", _ => "N-A", "runA"),
        P("FlowRunFilter", "tags.all_", _ => Strings("da", "ra"), "runA"),
        P("FlowRunFilter", "tags.any_", _ => Strings("ra", "zz"), "runA"),
        P("FlowRunFilter", "tags.is_null_", _ => true, "runB"),
        P("FlowRunFilter", "deployment_id.any_", w => Ids(w["depA"]), "runA"),
        P("FlowRunFilter", "deployment_id.is_null_", _ => true, "runB"),
        P("FlowRunFilter", "work_queue_name.any_", _ => Strings("qa"), "runA"),
        P("FlowRunFilter", "work_queue_name.is_null_", _ => false, "runA"),
        P("FlowRunFilter", "state.type.any_", _ => Strings("COMPLETED"), "runA"),
        P("FlowRunFilter", "state.type.not_any_", _ => Strings("COMPLETED"), "runB"),
        P("FlowRunFilter", "state.name.any_", _ => Strings("Scheduled"), "runB"),
        P("FlowRunFilter", "state.name.not_any_", _ => Strings("Scheduled"), "runA"),
        P("FlowRunFilter", "flow_version.any_", _ => Strings("1.0"), "runA"),
        P("FlowRunFilter", "start_time.before_", w => Time(w.Start.AddHours(1)), "runA"),
        P("FlowRunFilter", "start_time.after_", w => Time(w.Start.AddHours(1))),
        P("FlowRunFilter", "start_time.after_", w => Time(w.Start), "runA"),
        P("FlowRunFilter", "start_time.is_null_", _ => true, "runB"),
        P("FlowRunFilter", "end_time.before_", w => Time(w.Start.AddHours(1)), "runA"),
        P("FlowRunFilter", "end_time.after_", w => Time(w.Start), "runA"),
        P("FlowRunFilter", "end_time.is_null_", _ => false, "runA"),
        P("FlowRunFilter", "expected_start_time.before_", w => Time(w.Start.AddHours(1)), "runA"),
        P("FlowRunFilter", "expected_start_time.after_", w => Time(w.Start.AddHours(1)), "runB"),
        P("FlowRunFilter", "next_scheduled_start_time.before_", w => Time(w.Start.AddDays(2)), "runB"),
        P("FlowRunFilter", "next_scheduled_start_time.after_", w => Time(w.Start.AddDays(2))),
        P("FlowRunFilter", "next_scheduled_start_time.after_", w => Time(w.Start), "runB"),
        P("FlowRunFilter", "parent_task_run_id.any_", w => Ids(w.ParentTaskRunId), "runA"),
        P("FlowRunFilter", "parent_task_run_id.is_null_", _ => true, "runB"),
        P("FlowRunFilter", "idempotency_key.any_", _ => Strings("key-a"), "runA"),
        // A run without a key is excluded too: NULL NOT IN (…) is not true, in Prefect's SQL as here.
        P("FlowRunFilter", "idempotency_key.not_any_", _ => Strings("key-a")),
        P("FlowRunFilter", "idempotency_key.not_any_", _ => Strings("other"), "runA"),
        P("FlowRunFilter", "created_by.is_null_", _ => true, "runA", "runB"),
        P("FlowRunFilter", "created_by.is_null_", _ => false),
        .. Operator("FlowRunFilter", "operator", w => $"\"name\": {{\"any_\": [\"run-a\"]}}, \"id\": {{\"any_\": [\"{w["runB"]}\"]}}", ["runA", "runB"], []),
        .. Operator("FlowRunFilter", "tags.operator", _ => "\"all_\": [\"ra\"], \"is_null_\": true", ["runA", "runB"], []),
        .. Operator("FlowRunFilter", "deployment_id.operator", w => $"\"any_\": [\"{w["depA"]}\"], \"is_null_\": true", ["runA", "runB"], []),
        .. Operator("FlowRunFilter", "work_queue_name.operator", _ => "\"any_\": [\"qa\"], \"is_null_\": true", ["runA", "runB"], []),
        .. Operator("FlowRunFilter", "state.operator", _ => "\"type\": {\"any_\": [\"COMPLETED\"]}, \"name\": {\"any_\": [\"Scheduled\"]}", ["runA", "runB"], []),
        .. Operator("FlowRunFilter", "parent_task_run_id.operator", w => $"\"any_\": [\"{w.ParentTaskRunId}\"], \"is_null_\": true", ["runA", "runB"], []),
        P("FlowRunFilter", "created_by.operator", _ => Obj("""{"operator": "or_", "is_null_": true}"""), "runA", "runB"),
        P("FlowRunFilter", "created_by.operator", _ => Obj("""{"operator": "and_", "is_null_": false}""")),

        // DeploymentFilter: dep-a, dep-b
        P("DeploymentFilter", "id.any_", w => Ids(w["depB"]), "depB"),
        P("DeploymentFilter", "id.not_any_", w => Ids(w["depB"]), "depA"),
        P("DeploymentFilter", "name.any_", _ => Strings("dep-a"), "depA"),
        P("DeploymentFilter", "name.like_", _ => "P-B", "depB"),
        P("DeploymentFilter", "flow_or_deployment_name.like_", _ => "flow-a", "depA"),
        P("DeploymentFilter", "flow_or_deployment_name.like_", _ => "dep-b", "depB"),
        P("DeploymentFilter", "paused.eq_", _ => true, "depB"),
        P("DeploymentFilter", "tags.all_", _ => Strings("da"), "depA"),
        P("DeploymentFilter", "tags.any_", _ => Strings("zz", "da"), "depA"),
        P("DeploymentFilter", "tags.is_null_", _ => true, "depB"),
        P("DeploymentFilter", "work_queue_name.any_", _ => Strings("qa"), "depA"),
        .. Operator("DeploymentFilter", "operator", w => $"\"name\": {{\"any_\": [\"dep-a\"]}}, \"id\": {{\"any_\": [\"{w["depB"]}\"]}}", ["depA", "depB"], []),
        .. Operator("DeploymentFilter", "tags.operator", _ => "\"all_\": [\"da\"], \"is_null_\": true", ["depA", "depB"], []),

        // WorkPoolFilter: pool-a (process), pool-b (docker)
        P("WorkPoolFilter", "id.any_", w => Ids(w["poolA"]), "poolA"),
        P("WorkPoolFilter", "name.any_", _ => Strings("pool-b"), "poolB"),
        P("WorkPoolFilter", "type.any_", _ => Strings("process"), "poolA"),
        .. Operator("WorkPoolFilter", "operator", _ => "\"name\": {\"any_\": [\"pool-a\"]}, \"type\": {\"any_\": [\"docker\"]}", ["poolA", "poolB"], []),

        // WorkQueueFilter: qa and default in pool-a, default in pool-b
        P("WorkQueueFilter", "id.any_", w => Ids(w["qa"]), "qa"),
        P("WorkQueueFilter", "name.any_", _ => Strings("default"), "defaultA", "defaultB"),
        P("WorkQueueFilter", "name.startswith_", _ => Strings("Q", "zz"), "qa"),
        .. Operator("WorkQueueFilter", "operator", w => $"\"name\": {{\"any_\": [\"qa\"]}}, \"id\": {{\"any_\": [\"{w["defaultB"]}\"]}}", ["qa", "defaultB"], []),

        // WorkerFilter: w-off (heartbeat first, interval 0), w-on
        P("WorkerFilter", "last_heartbeat_time.before_", w => Time(w.BetweenHeartbeats), "wOff"),
        P("WorkerFilter", "last_heartbeat_time.after_", w => Time(w.BetweenHeartbeats), "wOn"),
        P("WorkerFilter", "status.any_", _ => Strings("ONLINE"), "wOn"),
        P("WorkerFilter", "status.not_any_", _ => Strings("ONLINE"), "wOff"),
        .. Operator("WorkerFilter", "operator", w => $"\"status\": {{\"any_\": [\"ONLINE\"]}}, \"last_heartbeat_time\": {{\"before_\": \"{Time(w.BetweenHeartbeats)}\"}}", ["wOn", "wOff"], []),

        // LogFilter: log-a (run-a, 40, task run, "disk full error" from flows.a), log-b (run-b, 10, "all good" from flows.b)
        P("LogFilter", "level.ge_", _ => 30, "logA"),
        P("LogFilter", "level.le_", _ => 20, "logB"),
        P("LogFilter", "timestamp.before_", w => Time(w.BetweenLogs), "logA"),
        P("LogFilter", "timestamp.after_", w => Time(w.BetweenLogs), "logB"),
        P("LogFilter", "flow_run_id.any_", w => Ids(w["runA"]), "logA"),
        P("LogFilter", "task_run_id.any_", w => Ids(w.LogTaskRunId), "logA"),
        P("LogFilter", "task_run_id.is_null_", _ => true, "logB"),
        P("LogFilter", "text.query", _ => "ERROR", "logA"),
        P("LogFilter", "text.query", _ => "-error", "logB"),
        P("LogFilter", "text.query", _ => "+disk +flows.a", "logA"),
        P("LogFilter", "text.query", _ => "\"all good\" nothing-else", "logB"),
        .. Operator("LogFilter", "operator", w => $"\"level\": {{\"ge_\": 30}}, \"flow_run_id\": {{\"any_\": [\"{w["runB"]}\"]}}", ["logA", "logB"], []),

        // VariableFilter: var-a (tag va), var-b
        P("VariableFilter", "id.any_", w => Ids(w["varB"]), "varB"),
        P("VariableFilter", "name.any_", _ => Strings("var-a"), "varA"),
        P("VariableFilter", "name.like_", _ => "R-B", "varB"),
        P("VariableFilter", "tags.all_", _ => Strings("va"), "varA"),
        P("VariableFilter", "tags.is_null_", _ => true, "varB"),
        .. Operator("VariableFilter", "operator", w => $"\"name\": {{\"any_\": [\"var-a\"]}}, \"id\": {{\"any_\": [\"{w["varB"]}\"]}}", ["varA", "varB"], []),
        .. Operator("VariableFilter", "tags.operator", _ => "\"all_\": [\"va\"], \"is_null_\": true", ["varA", "varB"], []),
    ];
}
