using Flows.Server.Storage;

namespace Flows.Server.Filtering;

/// <summary>
/// How a request's filter objects restrict each resource, as Prefect's models/*.py apply them: the target's own
/// filter on its row, the others as EXISTS subqueries through the links (a run's flow, deployment, pool and queue; a
/// flow's deployments and runs; a deployment's flow, runs and queue). A <c>task_runs</c> filter needs a task run to
/// exist, so it matches nothing here. Each method answers the WHERE clause (empty when nothing filters).
/// </summary>
internal static class FilterQueries
{
    /// <summary>Over <c>flow_runs fr</c>; the queue filter's key is <c>work_pool_queues</c>, except in run history (<c>work_queues</c>).</summary>
    public static string FlowRuns(FilterRequest request, SqlWhere where, Database db, string queueSection = "work_pool_queues")
    {
        var parts = new List<string?>
        {
            request.Section("flow_runs", FilterFields.FlowRun, where, db, "fr"),
            Exists("flows f", "f.id = fr.flow_id", request.Section("flows", FilterFields.Flow, where, db, "f")),
            Exists("deployments d", "d.id = fr.deployment_id", request.Section("deployments", FilterFields.Deployment, where, db, "d")),
            Exists("work_pools wp", "wp.id = fr.work_pool_id", request.Section("work_pools", FilterFields.WorkPool, where, db, "wp")),
            Exists("work_queues wq", "wq.id = fr.work_queue_id", request.Section(queueSection, FilterFields.WorkQueue, where, db, "wq")),
            TaskRuns(request, where, db),
        };
        return Where(parts);
    }

    /// <summary>Over <c>flows f</c>.</summary>
    public static string Flows(FilterRequest request, SqlWhere where, Database db)
    {
        var deployments = request.Section("deployments", FilterFields.Deployment, where, db, "d");
        var pools = request.Section("work_pools", FilterFields.WorkPool, where, db, "wp");
        var runs = request.Section("flow_runs", FilterFields.FlowRun, where, db, "fr");
        var taskRuns = TaskRuns(request, where, db);
        var parts = new List<string?> { request.Section("flows", FilterFields.Flow, where, db, "f") };
        if (deployments is not null || pools is not null)
        {
            // One deployment of the flow must match both (Prefect joins the pool through the deployment's queue).
            var pool = pools is null ? "1 = 1" : $"EXISTS (SELECT 1 FROM work_pools wp WHERE wp.name = d.work_pool_name AND {pools})";
            parts.Add($"EXISTS (SELECT 1 FROM deployments d WHERE d.flow_id = f.id AND {deployments ?? "1 = 1"} AND {pool})");
        }

        if (runs is not null || taskRuns is not null)
        {
            parts.Add($"EXISTS (SELECT 1 FROM flow_runs fr WHERE fr.flow_id = f.id AND {runs ?? "1 = 1"} AND {taskRuns ?? "1 = 1"})");
        }

        return Where(parts);
    }

    /// <summary>Over <c>deployments d</c>.</summary>
    public static string Deployments(FilterRequest request, SqlWhere where, Database db)
    {
        var runs = request.Section("flow_runs", FilterFields.FlowRun, where, db, "fr");
        var taskRuns = TaskRuns(request, where, db);
        var pools = request.Section("work_pools", FilterFields.WorkPool, where, db, "wp");
        var queues = request.Section("work_pool_queues", FilterFields.WorkQueue, where, db, "wq");
        var parts = new List<string?>
        {
            request.Section("deployments", FilterFields.Deployment, where, db, "d"),
            Exists("flows f", "f.id = d.flow_id", request.Section("flows", FilterFields.Flow, where, db, "f")),
        };
        if (runs is not null || taskRuns is not null)
        {
            parts.Add($"EXISTS (SELECT 1 FROM flow_runs fr WHERE fr.deployment_id = d.id AND {runs ?? "1 = 1"} AND {taskRuns ?? "1 = 1"})");
        }

        if (pools is not null || queues is not null)
        {
            // The deployment's queue (by pool and queue name) must match both.
            parts.Add("EXISTS (SELECT 1 FROM work_queues wq JOIN work_pools wp ON wp.id = wq.work_pool_id "
                + $"WHERE wp.name = d.work_pool_name AND wq.name = d.work_queue_name AND {queues ?? "1 = 1"} AND {pools ?? "1 = 1"})");
        }

        return Where(parts);
    }

    /// <summary>Over <c>work_pools wp</c>.</summary>
    public static string WorkPools(FilterRequest request, SqlWhere where, Database db)
        => Where([request.Section("work_pools", FilterFields.WorkPool, where, db, "wp")]);

    /// <summary>Over <c>work_queues wq</c> (the caller adds the pool).</summary>
    public static string WorkQueues(FilterRequest request, SqlWhere where, Database db, string section = "work_queues")
        => Where([request.Section(section, FilterFields.WorkQueue, where, db, "wq")]);

    /// <summary>Over <c>workers w</c> (the caller adds the pool).</summary>
    public static string Workers(FilterRequest request, SqlWhere where, Database db, IReadOnlyCollection<string> onlineWorkerIds)
        => Where([request.Section("workers", FilterFields.Worker, where, db, "w", onlineWorkerIds)]);

    /// <summary>Over <c>logs l</c>.</summary>
    public static string Logs(FilterRequest request, SqlWhere where, Database db)
        => Where([request.Section("logs", FilterFields.Log, where, db, "l")]);

    /// <summary>Over <c>variables v</c>.</summary>
    public static string Variables(FilterRequest request, SqlWhere where, Database db)
        => Where([request.Section("variables", FilterFields.Variable, where, db, "v")]);

    /// <summary>A <c>task_runs</c> filter, checked field by field; it matches nothing, since no task run is stored.</summary>
    public static string? TaskRuns(FilterRequest request, SqlWhere where, Database db)
        => request.Section("task_runs", FilterFields.TaskRun, where, db, "tr") is null ? null : "1 = 0";

    private static string? Exists(string table, string link, string? condition)
        => condition is null ? null : $"EXISTS (SELECT 1 FROM {table} WHERE {link} AND {condition})";

    private static string Where(IEnumerable<string?> parts)
    {
        var set = parts.Where(p => p is not null).ToList();
        return set.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", set);
    }
}
