using static Flows.Server.Filtering.FilterLeaves;

namespace Flows.Server.Filtering;

/// <summary>
/// Every field of Prefect's filter objects, in one place, and how this server answers it: implemented (Prefect's
/// semantics, as in prefect/server/schemas/filters.py), matching nothing (criteria on task runs, which this server never
/// stores), or refused with a 422 that names the field. A field Prefect does not define is a 422 too (its filter models
/// forbid extra fields). The tests walk the OpenAPI's filter schemas and check this table against it leaf by leaf.
/// </summary>
internal static class FilterFields
{
    private static Dictionary<string, FilterNode> Fields(params (string Name, FilterNode Node)[] fields) => fields.ToDictionary(f => f.Name, f => f.Node);

    private static FilterGroup Group(string component, bool hasOperator, params (string, FilterNode)[] fields) => new(component, hasOperator, Fields(fields));

    private static FilterGroup Ids(string component, Func<FilterScope, string> column)
        => Group(component, false, ("any_", In(column, ValueKind.Uuid)), ("not_any_", NotIn(column, ValueKind.Uuid)));

    private static FilterGroup Names(string component, Func<FilterScope, string> column)
        => Group(component, false, ("any_", In(column)), ("like_", Like(column)));

    private static FilterGroup Times(string component, string column, bool withIsNull)
        => withIsNull
            ? Group(component, false, ("before_", Before(Col(column))), ("after_", After(Col(column))), ("is_null_", IsNull(Col(column))))
            : Group(component, false, ("before_", Before(Col(column))), ("after_", After(Col(column))));

    /// <summary>FlowFilter, over a <c>flows</c> row.</summary>
    public static FilterGroup Flow { get; } = Group("FlowFilter", true,
        ("id", Ids("FlowFilterId", Col("id"))),
        ("deployment", Group("FlowFilterDeployment", true,
            ("is_null_", FilterLeaf.Sql((s, v) => $"{s.Column("id")} {(Bool(s, v) ? "NOT IN" : "IN")} (SELECT dd.flow_id FROM deployments dd)")))),
        ("name", Names("FlowFilterName", Col("name"))),
        ("tags", Group("FlowFilterTags", true, ("all_", TagsAll("tags")), ("is_null_", TagsIsNull("tags")))));

    /// <summary>FlowRunFilter, over a <c>flow_runs</c> row.</summary>
    public static FilterGroup FlowRun { get; } = Group("FlowRunFilter", true,
        ("id", Ids("FlowRunFilterId", Col("id"))),
        ("name", Names("FlowRunFilterName", Col("name"))),
        ("tags", Group("FlowRunFilterTags", true, ("all_", TagsAll("tags")), ("any_", TagsAny("tags")), ("is_null_", TagsIsNull("tags")))),
        ("deployment_id", Group("FlowRunFilterDeploymentId", true, ("any_", In(Col("deployment_id"), ValueKind.Uuid)), ("is_null_", IsNull(Col("deployment_id"))))),
        ("work_queue_name", Group("FlowRunFilterWorkQueueName", true, ("any_", In(Col("work_queue_name"))), ("is_null_", IsNull(Col("work_queue_name"))))),
        ("state", Group("FlowRunFilterState", true,
            ("type", Group("FlowRunFilterStateType", false, ("any_", In(Col("state_type"), ValueKind.StateType)), ("not_any_", NotIn(Col("state_type"), ValueKind.StateType)))),
            ("name", Group("FlowRunFilterStateName", false, ("any_", In(Col("state_name"))), ("not_any_", NotIn(Col("state_name"))))))),
        ("flow_version", Group("FlowRunFilterFlowVersion", false, ("any_", In(BodyField("flow_version"))))),
        ("start_time", Times("FlowRunFilterStartTime", "start_time", withIsNull: true)),
        ("end_time", Times("FlowRunFilterEndTime", "end_time", withIsNull: true)),
        ("expected_start_time", Times("FlowRunFilterExpectedStartTime", "expected_start_time", withIsNull: false)),
        ("next_scheduled_start_time", Times("FlowRunFilterNextScheduledStartTime", "next_scheduled_start_time", withIsNull: false)),
        // Prefect finds subflows through the parent's task runs; with no task runs stored no run has a parent flow run.
        ("parent_flow_run_id", Group("FlowRunFilterParentFlowRunId", true, ("any_", FilterLeaf.NoTaskRuns))),
        ("parent_task_run_id", Group("FlowRunFilterParentTaskRunId", true,
            ("any_", In(BodyField("parent_task_run_id"), ValueKind.Uuid)), ("is_null_", IsNull(BodyField("parent_task_run_id"))))),
        ("idempotency_key", Group("FlowRunFilterIdempotencyKey", false, ("any_", In(Col("idempotency_key"))), ("not_any_", NotIn(Col("idempotency_key"))))),
        ("created_by", Group("FlowRunFilterCreatedBy", true,
            ("id_", FilterLeaf.Refused("this server does not record who created a run (created_by is always null)")),
            ("type_", FilterLeaf.Refused("this server does not record who created a run (created_by is always null)")),
            ("is_null_", IsNull(BodyField("created_by"))))));

    /// <summary>TaskRunFilter: validated, and matching nothing (no task runs are stored).</summary>
    public static FilterGroup TaskRun { get; } = Group("TaskRunFilter", true,
        ("id", Group("TaskRunFilterId", false, ("any_", FilterLeaf.NoTaskRuns))),
        ("name", Group("TaskRunFilterName", false, ("any_", FilterLeaf.NoTaskRuns), ("like_", FilterLeaf.NoTaskRuns))),
        ("tags", Group("TaskRunFilterTags", true, ("all_", FilterLeaf.NoTaskRuns), ("is_null_", FilterLeaf.NoTaskRuns))),
        ("state", Group("TaskRunFilterState", true,
            ("type", Group("TaskRunFilterStateType", false, ("any_", FilterLeaf.NoTaskRuns))),
            ("name", Group("TaskRunFilterStateName", false, ("any_", FilterLeaf.NoTaskRuns))))),
        ("start_time", Group("TaskRunFilterStartTime", false, ("before_", FilterLeaf.NoTaskRuns), ("after_", FilterLeaf.NoTaskRuns), ("is_null_", FilterLeaf.NoTaskRuns))),
        ("end_time", Group("TaskRunFilterEndTime", false, ("before_", FilterLeaf.NoTaskRuns), ("after_", FilterLeaf.NoTaskRuns), ("is_null_", FilterLeaf.NoTaskRuns))),
        ("expected_start_time", Group("TaskRunFilterExpectedStartTime", false, ("before_", FilterLeaf.NoTaskRuns), ("after_", FilterLeaf.NoTaskRuns))),
        ("subflow_runs", Group("TaskRunFilterSubFlowRuns", false, ("exists_", FilterLeaf.NoTaskRuns))),
        ("flow_run_id", Group("TaskRunFilterFlowRunId", true, ("any_", FilterLeaf.NoTaskRuns), ("is_null_", FilterLeaf.NoTaskRuns))));

    /// <summary>DeploymentFilter, over a <c>deployments</c> row.</summary>
    public static FilterGroup Deployment { get; } = Group("DeploymentFilter", true,
        ("id", Ids("DeploymentFilterId", Col("id"))),
        ("name", Names("DeploymentFilterName", Col("name"))),
        ("flow_or_deployment_name", Group("DeploymentOrFlowNameFilter", false,
            ("like_", FilterLeaf.Sql((s, v) =>
            {
                if (Text(s, v) is not { Length: > 0 } like)
                {
                    return null;
                }

                var pattern = s.Where.Param("%" + Storage.SqlWhere.EscapeLike(like.ToLowerInvariant()) + "%");
                return $"(lower({s.Column("name")}) LIKE {pattern} ESCAPE '\\' OR EXISTS (SELECT 1 FROM flows df WHERE df.id = {s.Column("flow_id")} AND lower(df.name) LIKE {pattern} ESCAPE '\\'))";
            })))),
        ("paused", Group("DeploymentFilterPaused", false, ("eq_", JsonBoolEquals("paused")))),
        ("tags", Group("DeploymentFilterTags", true, ("all_", TagsAll("tags")), ("any_", TagsAny("tags")), ("is_null_", TagsIsNull("tags")))),
        ("work_queue_name", Group("DeploymentFilterWorkQueueName", false, ("any_", In(Col("work_queue_name"))))),
        ("concurrency_limit", Group("DeploymentFilterConcurrencyLimit", false,
            ("ge_", FilterLeaf.Refused(DeprecatedConcurrencyLimit)), ("le_", FilterLeaf.Refused(DeprecatedConcurrencyLimit)), ("is_null_", FilterLeaf.Refused(DeprecatedConcurrencyLimit)))));

    /// <summary>WorkPoolFilter, over a <c>work_pools</c> row.</summary>
    public static FilterGroup WorkPool { get; } = Group("WorkPoolFilter", true,
        ("id", Group("WorkPoolFilterId", false, ("any_", In(Col("id"), ValueKind.Uuid)))),
        ("name", Group("WorkPoolFilterName", false, ("any_", In(Col("name"))))),
        ("type", Group("WorkPoolFilterType", false, ("any_", In(Col("type"))))));

    /// <summary>WorkQueueFilter, over a <c>work_queues</c> row.</summary>
    public static FilterGroup WorkQueue { get; } = Group("WorkQueueFilter", true,
        ("id", Group("WorkQueueFilterId", false, ("any_", In(Col("id"), ValueKind.Uuid)))),
        ("name", Group("WorkQueueFilterName", false, ("any_", In(Col("name"))), ("startswith_", StartsWith(Col("name"))))));

    /// <summary>WorkerFilter, over a <c>workers</c> row; status (derived from heartbeats) through the scope's online ids.</summary>
    public static FilterGroup Worker { get; } = Group("WorkerFilter", true,
        ("last_heartbeat_time", Group("WorkerFilterLastHeartbeatTime", false, ("before_", Before(Col("last_heartbeat_time"))), ("after_", After(Col("last_heartbeat_time"))))),
        ("status", Group("WorkerFilterStatus", false,
            ("any_", FilterLeaf.Sql((s, v) => WorkerStatusSql(s, Values(s, v, ValueKind.WorkerStatus), negate: false))),
            ("not_any_", FilterLeaf.Sql((s, v) => Values(s, v, ValueKind.WorkerStatus) is { Count: > 0 } statuses ? WorkerStatusSql(s, statuses, negate: true) : null)))));

    /// <summary>LogFilter, over a <c>logs</c> row.</summary>
    public static FilterGroup Log { get; } = Group("LogFilter", true,
        ("level", Group("LogFilterLevel", false, ("ge_", AtLeast(Col("level"))), ("le_", AtMost(Col("level"))))),
        ("timestamp", Group("LogFilterTimestamp", false, ("before_", Before(Col("timestamp"))), ("after_", After(Col("timestamp"))))),
        ("flow_run_id", Group("LogFilterFlowRunId", false, ("any_", In(Col("flow_run_id"), ValueKind.Uuid)))),
        ("task_run_id", Group("LogFilterTaskRunId", false, ("any_", In(Col("task_run_id"), ValueKind.Uuid)), ("is_null_", IsNull(Col("task_run_id"))))),
        ("text", Group("LogFilterTextSearch", false, ("query", FilterLeaf.Sql(LogTextSearch.ToSql)))));

    /// <summary>VariableFilter, over a <c>variables</c> row (its tags live in the JSON body, matched as quoted JSON strings).</summary>
    public static FilterGroup Variable { get; } = Group("VariableFilter", true,
        ("id", Group("VariableFilterId", false, ("any_", In(Col("id"), ValueKind.Uuid)))),
        ("name", Names("VariableFilterName", Col("name"))),
        ("tags", Group("VariableFilterTags", true,
            ("all_", FilterLeaf.Sql((s, v) =>
            {
                var tags = Values(s, v, ValueKind.Text);
                return tags.Count == 0 ? "1 = 1" : "(" + string.Join(" AND ", tags.Select(t =>
                    $"{s.Json("tags")} LIKE {s.Where.Param("%" + Storage.SqlWhere.EscapeLike(System.Text.Json.JsonSerializer.Serialize(t)) + "%")} ESCAPE '\\'")) + ")";
            })),
            ("is_null_", FilterLeaf.Sql((s, v) => Bool(s, v) ? $"COALESCE({s.Json("tags")}, '[]') = '[]'" : $"COALESCE({s.Json("tags")}, '[]') <> '[]'")))));

    private const string DeprecatedConcurrencyLimit =
        "deprecated in Prefect, which accepts and ignores it; this server refuses it rather than ignore a criterion (use concurrency limits instead)";

    /// <summary>Filter objects that must carry a field when present (pydantic's required fields).</summary>
    public static IReadOnlyDictionary<string, string> RequiredField { get; } = new Dictionary<string, string> { ["LogFilterTextSearch"] = "query" };

    /// <summary>All groups by component name, for the tests and the README.</summary>
    public static IEnumerable<FilterGroup> Roots => [Flow, FlowRun, TaskRun, Deployment, WorkPool, WorkQueue, Worker, Log, Variable];

    /// <summary>Every leaf under <paramref name="group"/> as (dotted path, leaf).</summary>
    public static IEnumerable<(string Path, FilterLeaf Leaf)> Leaves(FilterGroup group, string prefix = "")
    {
        foreach (var (name, node) in group.Fields)
        {
            if (node is FilterLeaf leaf)
            {
                yield return (prefix + name, leaf);
            }
            else if (node is FilterGroup child)
            {
                foreach (var x in Leaves(child, prefix + name + "."))
                {
                    yield return x;
                }
            }
        }
    }

    private static string WorkerStatusSql(FilterScope s, IReadOnlyList<string> statuses, bool negate)
    {
        var online = statuses.Contains("ONLINE");
        var offline = statuses.Contains("OFFLINE");
        var ids = s.OnlineWorkerIds ?? [];
        string matches = (online, offline) switch
        {
            (true, true) => "1 = 1",
            (false, false) => "1 = 0",
            (true, false) => InList(s, s.Column("id"), ids.ToList(), negate: false),
            _ => InList(s, s.Column("id"), ids.ToList(), negate: true),
        };
        return negate ? $"NOT ({matches})" : matches;
    }
}
