using System.Data.Common;
using System.Text.Json;
using Flows.Api.Models;
using Flows.Server.Filtering;
using Flows.Server.Hosting;
using Flows.Server.Orchestration;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>Flow runs (Prefect's api/flow_runs.py): create, read, filter, count, paginate, update, labels, delete, set_state and resume; creation from a deployment lives here too.</summary>
internal static class FlowRunEndpoints
{
    private const string Columns = "flow_id, deployment_id, work_pool_id, work_queue_id, work_queue_name, name, tags, state_type, state_name, expected_start_time, next_scheduled_start_time, start_time, end_time, idempotency_key, auto_scheduled";

    public static void Map(IEndpointRouteBuilder api, Database db, TimeSpan concurrencySlotWait)
    {
        // A run without a deployment (a flow called directly); an idempotency key already used for the flow answers that run with 200.
        api.MapPost("/flow_runs/", async (HttpRequest request, CancellationToken ct) =>
        {
            var create = await Body.ReadAsync<FlowRunCreateBody>(request);
            var flowId = create.FlowId ?? throw ApiException.Validation(["body", "flow_id"], "Field required", "missing");
            Body.CheckLength(create.Name, Body.MaxNameLength, "body", "name");
            Body.CheckState(create.State);
            var (run, created) = await db.WriteAsync(async (c, t) =>
            {
                if (await c.ScalarAsync<string>(t, "SELECT id FROM flows WHERE id = @id", ("id", flowId.ToString())) is null)
                {
                    throw ApiException.NotFound("Flow");
                }

                if (create.IdempotencyKey is { } key
                    && await Rows.OneAsync<FlowRun>(c, t, "SELECT body FROM flow_runs WHERE flow_id = @f AND idempotency_key = @k", ("f", flowId.ToString()), ("k", key)) is { } same)
                {
                    return (same, false);
                }

                if (create.DeploymentId is { } d && await c.ScalarAsync<string>(t, "SELECT id FROM deployments WHERE id = @id", ("id", d.ToString())) is null)
                {
                    throw ApiException.NotFound("Deployment");
                }

                // Job variables are not kept on a run made here (it belongs to no pool), but one naming its deployment
                // may not ask for what only the pool and the deployment choose.
                if (create.JobVariables is { Count: > 0 } && create.DeploymentId is { } withPool
                    && await Rows.OneAsync<DeploymentResponse>(c, t, "SELECT body FROM deployments WHERE id = @id", ("id", withPool.ToString())) is { WorkPoolName: { } poolName } deployment
                    && await Rows.OneAsync<WorkPool>(c, t, "SELECT body FROM work_pools WHERE name = @n", ("n", poolName)) is { } pool)
                {
                    WorkPools.RunOverrides.Check(pool, create.JobVariables, deployment.JobVariables);
                }

                var now = DateTimeOffset.UtcNow;
                var run = new FlowRun
                {
                    Id = Guid.CreateVersion7(), Created = now, Updated = now, Name = create.Name ?? RunNames.Next(), FlowId = flowId, FlowVersion = create.FlowVersion,
                    DeploymentId = create.DeploymentId, Parameters = create.Parameters ?? new Dictionary<string, JsonElement>(), IdempotencyKey = create.IdempotencyKey,
                    Context = create.Context ?? new Dictionary<string, JsonElement>(), EmpiricalPolicy = create.EmpiricalPolicy ?? new FlowRunPolicy(), Tags = create.Tags ?? [],
                    Labels = create.Labels ?? new Dictionary<string, JsonElement>(), ParentTaskRunId = create.ParentTaskRunId,
                };
                return (await InsertAsync(c, t, run, create.State ?? new StateCreate { Type = StateType.Pending }, now), true);
            }, ct);
            return Body.Json(run, created ? 201 : 200);
        });

        api.MapDelete("/flow_runs/{id}", async (string id, CancellationToken ct) =>
        {
            var runId = Body.Id(id).ToString();
            await db.WriteAsync(async (c, t) =>
            {
                return await Deletions.DeleteFlowRunAsync(c, t, runId) ? 0 : throw ApiException.NotFound("Flow run");
            }, ct);
            return Results.NoContent();
        });

        // Prefect's resume: only a paused run; back to Scheduled ("Resuming") when the pause asked for a reschedule, else Running.
        // Run input (keyset) is not supported: this server stores no run inputs.
        api.MapPost("/flow_runs/{id}/resume", async (string id, CancellationToken ct) =>
        {
            var run = await ReadAsync(db, Body.Id(id), ct);
            if (run.State is not { Type: StateType.Paused } paused)
            {
                // Prefect answers state: null here; written out, since the model drops null fields.
                return Body.Json(new Dictionary<string, object?>
                {
                    ["state"] = null, ["status"] = SetStateStatus.Abort,
                    ["details"] = new OrchestrationDetails { Type = "abort_details", Reason = "Cannot resume a flow run that is not paused." },
                });
            }

            var proposed = paused.StateDetails.PauseReschedule == true
                ? new StateCreate { Type = StateType.Scheduled, Name = "Resuming", StateDetails = new StateDetails { ScheduledTime = DateTimeOffset.UtcNow } }
                : new StateCreate { Type = StateType.Running };
            var result = await SetStateAsync(db, run.Id, proposed, force: false, concurrencySlotWait, ct);
            return Body.Json(result, result.Status == SetStateStatus.Accept ? 201 : 200);
        });

        api.MapGet("/flow_runs/{id}", async (string id, CancellationToken ct) => Body.Json(await ReadAsync(db, Body.Id(id), ct)));

        api.MapPost("/flow_runs/filter", async (HttpRequest request, CancellationToken ct) =>
        {
            var filter = await FilterRequest.ReadAsync(request);
            return Body.Json(await FilterAsync(db, filter, filter.Offset, filter.Limit, ct));
        });

        api.MapPost("/flow_runs/count", async (HttpRequest request, CancellationToken ct) =>
            Body.Json(await CountAsync(db, await FilterRequest.ReadAsync(request), ct)));

        api.MapPost("/flow_runs/paginate", async (HttpRequest request, CancellationToken ct) =>
        {
            var filter = await FilterRequest.ReadAsync(request);
            var (page, limit) = (filter.Page, filter.Limit);
            var runs = await FilterAsync(db, filter, (page - 1L) * limit, limit, ct);
            return Body.Json(Pages.Of(runs, await CountAsync(db, filter, ct), page, limit));
        });

        api.MapPost("/flow_runs/{id}/set_state", async (string id, HttpRequest request, CancellationToken ct) =>
        {
            var runId = Body.Id(id);
            var body = await Body.ReadAsync<SetStateBody>(request);
            var proposed = body.State ?? throw ApiException.Invalid("state is required.");
            Body.CheckState(proposed);
            return Body.Json(await SetStateAsync(db, runId, proposed, body.Force ?? false, concurrencySlotWait, ct));
        });

        api.MapPatch("/flow_runs/{id}", async (string id, HttpRequest request, CancellationToken ct) =>
        {
            var runId = Body.Id(id);
            var u = await Body.ReadAsync<FlowRunUpdate>(request, allowEmpty: true);
            Body.CheckLength(u.Name, Body.MaxNameLength, "body", "name");
            if (u.JobVariables is { Count: > 0 })
            {
                var current = await ReadAsync(db, runId, ct);
                if (current.WorkPoolName is { } poolName && await db.ReadAsync(c => Rows.OneAsync<WorkPool>(c, null, "SELECT body FROM work_pools WHERE name = @n", ("n", poolName)), ct) is { } pool)
                {
                    WorkPools.RunOverrides.Check(pool, u.JobVariables, current.JobVariables);
                }
            }

            await UpdateRunAsync(db, runId, r => r with
            {
                Name = u.Name ?? r.Name, FlowVersion = u.FlowVersion ?? r.FlowVersion, Parameters = u.Parameters ?? r.Parameters,
                EmpiricalPolicy = u.EmpiricalPolicy ?? r.EmpiricalPolicy, Tags = u.Tags ?? r.Tags, InfrastructurePid = u.InfrastructurePid ?? r.InfrastructurePid,
                JobVariables = u.JobVariables ?? r.JobVariables,
            }, ct);
            return Results.NoContent();
        });

        api.MapPatch("/flow_runs/{id}/labels", async (string id, HttpRequest request, CancellationToken ct) =>
        {
            var runId = Body.Id(id);
            var labels = await Body.ReadAsync<Dictionary<string, JsonElement>>(request, allowEmpty: true);
            await UpdateRunAsync(db, runId, r =>
            {
                var merged = new Dictionary<string, JsonElement>(r.Labels ?? new Dictionary<string, JsonElement>());
                foreach (var (k, v) in labels)
                {
                    merged[k] = v;
                }

                return r with { Labels = merged };
            }, ct);
            return Results.NoContent();
        });
    }

    /// <summary>Proposes a state: the orchestration rules decide, and an accepted state becomes current (set_state, resume).</summary>
    internal static Task<OrchestrationResult> SetStateAsync(Database db, Guid runId, StateCreate proposed, bool force, TimeSpan concurrencySlotWait, CancellationToken ct)
        => db.WriteAsync(async (c, t) =>
        {
            // The row lock (PostgreSQL) or the single writer (SQLite) makes read-decide-write atomic:
            // of two workers proposing Pending, the second sees the first's Pending and is aborted.
            var run = await Rows.OneAsync<FlowRun>(c, t, $"SELECT body FROM flow_runs WHERE id = @id{db.ForUpdate}", ("id", runId.ToString()))
                ?? throw ApiException.NotFound("Flow run");
            var now = DateTimeOffset.UtcNow;
            var decision = OrchestrationPolicy.Decide(run, proposed, force, now);
            if (decision.Status == SetStateStatus.Accept
                && await ConcurrencySlots.CheckClaimAsync(c, t, db, run, proposed, force, concurrencySlotWait, now) is { } noSlot)
            {
                decision = noSlot;
            }

            if (decision.NewState is null)
            {
                return new OrchestrationResult
                {
                    State = run.State, Status = decision.Status,
                    Details = new OrchestrationDetails { Type = DetailsType(decision.Status), Reason = decision.Reason, DelaySeconds = decision.Status == SetStateStatus.Wait ? decision.DelaySeconds ?? 0 : null },
                };
            }

            var updated = ApplyState(run, decision.NewState, now) with { Updated = now };
            await c.ExecuteAsync(t, "UPDATE flow_runs SET state_type = @state_type, state_name = @state_name, next_scheduled_start_time = @next_scheduled_start_time, expected_start_time = @expected_start_time, start_time = @start_time, end_time = @end_time, body = @body WHERE id = @id",
                RowParameters(updated));
            await InsertStateAsync(c, t, updated);
            return new OrchestrationResult { State = updated.State, Status = decision.Status, Details = new OrchestrationDetails { Type = DetailsType(decision.Status), Reason = decision.Reason } };
        }, ct);

    /// <summary>
    /// POST /deployments/{id}/create_flow_run: merges parameters and job variables over the deployment's,
    /// validates them, and stores the run (Scheduled unless a state is given). The web UI's Run button calls this too.
    /// </summary>
    internal static Task<FlowRun> CreateFromDeploymentAsync(Database db, Guid deploymentId, DeploymentFlowRunCreate create, CancellationToken ct)
        => db.WriteAsync(async (c, t) =>
        {
            Body.CheckLength(create.Name, Body.MaxNameLength, "body", "name");
            Body.CheckState(create.State);
            var deployment = await Rows.OneAsync<DeploymentResponse>(c, t, "SELECT body FROM deployments WHERE id = @id", ("id", deploymentId.ToString()))
                ?? throw ApiException.NotFound("Deployment");
            if (create.IdempotencyKey is { } key
                && await Rows.OneAsync<FlowRun>(c, t, "SELECT body FROM flow_runs WHERE flow_id = @f AND idempotency_key = @k", ("f", deployment.FlowId.ToString()), ("k", key)) is { } same)
            {
                return same;
            }

            var parameters = new Dictionary<string, JsonElement>(deployment.Parameters);
            foreach (var (k, v) in create.Parameters ?? new Dictionary<string, JsonElement>())
            {
                parameters[k] = v;
            }

            if ((create.EnforceParameterSchema ?? deployment.EnforceParameterSchema) && deployment.ParameterOpenapiSchema is { } schema)
            {
                ParameterValidation.Validate(schema, parameters);
            }

            var now = DateTimeOffset.UtcNow;
            var runId = Guid.CreateVersion7();
            Guid? poolId = null;
            if (deployment.WorkPoolName is { } poolName)
            {
                poolId = Guid.Parse((await c.ScalarAsync<string>(t, "SELECT id FROM work_pools WHERE name = @n", ("n", poolName)))
                    ?? throw ApiException.Conflict($"The deployment's work pool '{poolName}' no longer exists."));
            }

            if (create.JobVariables is { Count: > 0 } && deployment.WorkPoolName is { } validatePool)
            {
                var pool = await Rows.OneAsync<WorkPool>(c, t, "SELECT body FROM work_pools WHERE name = @n", ("n", validatePool));
                if (pool is not null)
                {
                    WorkPools.RunOverrides.Check(pool, create.JobVariables, deployment.JobVariables);
                }

                WorkPools.JobVariableValidation.Validate(pool?.BaseJobTemplate, create.JobVariables, System.Net.HttpStatusCode.UnprocessableEntity, "creating flow run");
            }

            var queueName = create.WorkQueueName ?? deployment.WorkQueueName;
            var queueId = deployment.WorkQueueId;
            if (create.WorkQueueName is { } asked && poolId is { } p)
            {
                queueId = Guid.Parse(await c.ScalarAsync<string>(t, "SELECT id FROM work_queues WHERE work_pool_id = @p AND name = @n", ("p", p.ToString()), ("n", asked))
                    ?? throw ApiException.NotFound($"Work queue '{asked}'"));
            }

            var jobVariables = new Dictionary<string, JsonElement>(deployment.JobVariables);
            foreach (var (k, v) in create.JobVariables ?? new Dictionary<string, JsonElement>())
            {
                jobVariables[k] = v;
            }

            var proposed = create.State ?? new StateCreate { Type = StateType.Scheduled };
            var run = new FlowRun
            {
                Id = runId, Created = now, Updated = now, Name = create.Name ?? RunNames.Next(), FlowId = deployment.FlowId,
                DeploymentId = deployment.Id, DeploymentVersion = deployment.Version, WorkQueueId = queueId, WorkQueueName = queueName,
                Parameters = parameters, IdempotencyKey = create.IdempotencyKey, Context = create.Context ?? new Dictionary<string, JsonElement>(),
                EmpiricalPolicy = create.EmpiricalPolicy ?? new FlowRunPolicy(), Tags = deployment.Tags.Union(create.Tags ?? []).ToList(),
                Labels = create.Labels ?? new Dictionary<string, JsonElement>(), ParentTaskRunId = create.ParentTaskRunId,
                WorkPoolId = poolId, WorkPoolName = deployment.WorkPoolName, JobVariables = jobVariables,
            };
            return await InsertAsync(c, t, run, proposed, now);
        }, ct);

    /// <summary>Stores a new run in <paramref name="initial"/> state (also used by the scheduler).</summary>
    internal static async Task<FlowRun> InsertAsync(DbConnection c, DbTransaction t, FlowRun run, StateCreate initial, DateTimeOffset now)
    {
        run = ApplyState(run, initial, now);
        await c.ExecuteAsync(t, $"INSERT INTO flow_runs (id, {Columns}, created, body) VALUES (@id, @flow_id, @deployment_id, @work_pool_id, @work_queue_id, @work_queue_name, @name, @tags, @state_type, @state_name, @expected_start_time, @next_scheduled_start_time, @start_time, @end_time, @idempotency_key, @auto_scheduled, @created, @body)",
            [.. RowParameters(run), ("created", Rows.Time(now))]);
        await InsertStateAsync(c, t, run);
        return run;
    }

    /// <summary>Runs matching a filter body (all its filter objects), in its <c>sort</c> order (ID_DESC by default).</summary>
    internal static Task<List<FlowRun>> FilterAsync(Database db, FilterRequest filter, long offset, int limit, CancellationToken ct)
    {
        var where = new SqlWhere();
        var clause = FilterQueries.FlowRuns(filter, where, db);
        var order = Sorts[filter.Sort("ID_DESC", [.. Sorts.Keys])];
        return db.ReadAsync(c => Rows.ManyAsync<FlowRun>(c, null,
            $"SELECT fr.body FROM flow_runs fr{clause} ORDER BY {order}, fr.id DESC LIMIT {limit} OFFSET {offset}", where.Parameters), ct);
    }

    internal static async Task<long> CountAsync(Database db, FilterRequest filter, CancellationToken ct)
    {
        var where = new SqlWhere();
        var clause = FilterQueries.FlowRuns(filter, where, db);
        return await db.ReadAsync(c => c.ScalarAsync<long>(null, $"SELECT COUNT(*) FROM flow_runs fr{clause}", [.. where.Parameters]), ct);
    }

    // Prefect's FlowRunSort; the start time of a run that has not started is its expected start.
    private static readonly Dictionary<string, string> Sorts = new()
    {
        ["ID_DESC"] = "fr.id DESC",
        ["START_TIME_ASC"] = "COALESCE(fr.start_time, fr.expected_start_time) ASC",
        ["START_TIME_DESC"] = "COALESCE(fr.start_time, fr.expected_start_time) DESC",
        ["EXPECTED_START_TIME_ASC"] = "fr.expected_start_time ASC",
        ["EXPECTED_START_TIME_DESC"] = "fr.expected_start_time DESC",
        ["NAME_ASC"] = "fr.name ASC",
        ["NAME_DESC"] = "fr.name DESC",
        ["NEXT_SCHEDULED_START_TIME_ASC"] = "fr.next_scheduled_start_time ASC",
        ["END_TIME_DESC"] = "fr.end_time DESC",
    };

    public static async Task<FlowRun> ReadAsync(Database db, Guid id, CancellationToken ct)
        => await db.ReadAsync(c => Rows.OneAsync<FlowRun>(c, null, "SELECT body FROM flow_runs WHERE id = @id", ("id", id.ToString())), ct)
           ?? throw ApiException.NotFound("Flow run");

    private static Task<int> UpdateRunAsync(Database db, Guid id, Func<FlowRun, FlowRun> change, CancellationToken ct)
        => db.WriteAsync(async (c, t) =>
        {
            var run = await Rows.OneAsync<FlowRun>(c, t, $"SELECT body FROM flow_runs WHERE id = @id{db.ForUpdate}", ("id", id.ToString()))
                ?? throw ApiException.NotFound("Flow run");
            var updated = change(run) with { Updated = DateTimeOffset.UtcNow };
            return await c.ExecuteAsync(t, "UPDATE flow_runs SET name = @n, tags = @tags, body = @b WHERE id = @id",
                ("n", updated.Name), ("tags", Rows.Tags(updated.Tags)), ("b", Rows.Json(updated)), ("id", id.ToString()));
        }, ct);

    private static string DetailsType(SetStateStatus status) => status.ToString().ToLowerInvariant() + "_details";

    /// <summary>Makes <paramref name="proposed"/> the run's current state and updates the run's timing fields.</summary>
    private static FlowRun ApplyState(FlowRun run, StateCreate proposed, DateTimeOffset now)
    {
        var details = (proposed.StateDetails ?? new StateDetails()) with { FlowRunId = run.Id };
        if (proposed.Type == StateType.Scheduled && details.ScheduledTime is null)
        {
            details = details with { ScheduledTime = now };
        }

        var state = new State
        {
            Id = Guid.CreateVersion7(), Type = proposed.Type, Name = proposed.Name ?? proposed.Type.DefaultName(),
            Timestamp = now, Message = proposed.Message, Data = proposed.Data, StateDetails = details,
        };
        var totalRunTime = run.TotalRunTime;
        if (run.State is { Type: StateType.Running, Timestamp: { } runningSince })
        {
            totalRunTime += (now - runningSince).TotalSeconds;
        }

        return run with
        {
            State = state, StateId = state.Id, StateType = state.Type, StateName = state.Name,
            ExpectedStartTime = run.ExpectedStartTime ?? (state.Type == StateType.Scheduled ? details.ScheduledTime : now),
            NextScheduledStartTime = state.Type == StateType.Scheduled ? details.ScheduledTime : null,
            RunCount = state.Type == StateType.Running ? run.RunCount + 1 : run.RunCount,
            StartTime = state.Type == StateType.Running ? run.StartTime ?? now : run.StartTime,
            EndTime = state.Type.IsTerminal() ? now : run.EndTime,
            TotalRunTime = totalRunTime,
        };
    }

    private static (string, object?)[] RowParameters(FlowRun run) =>
    [
        ("id", run.Id.ToString()), ("flow_id", run.FlowId.ToString()), ("deployment_id", run.DeploymentId?.ToString()),
        ("work_pool_id", run.WorkPoolId?.ToString()), ("work_queue_id", run.WorkQueueId?.ToString()), ("work_queue_name", run.WorkQueueName),
        ("name", run.Name), ("tags", Rows.Tags(run.Tags)), ("state_type", run.StateType?.ToString().ToUpperInvariant()), ("state_name", run.StateName),
        ("expected_start_time", Rows.Time(run.ExpectedStartTime)), ("next_scheduled_start_time", Rows.Time(run.NextScheduledStartTime)),
        ("start_time", Rows.Time(run.StartTime)), ("end_time", Rows.Time(run.EndTime)), ("idempotency_key", run.IdempotencyKey),
        ("auto_scheduled", run.AutoScheduled ? 1 : 0), ("body", Rows.Json(run)),
    ];

    private static Task<int> InsertStateAsync(DbConnection c, DbTransaction t, FlowRun run)
        => c.ExecuteAsync(t, "INSERT INTO flow_run_states (id, flow_run_id, timestamp, body) VALUES (@id, @r, @ts, @b)",
            ("id", run.State!.Id.ToString()), ("r", run.Id.ToString()), ("ts", Rows.Time(run.State.Timestamp!.Value)), ("b", Rows.Json(run.State)));

    private sealed class FlowRunCreateBody
    {
        public string? Name { get; init; }
        public Guid? FlowId { get; init; }
        public string? FlowVersion { get; init; }
        public Guid? DeploymentId { get; init; }
        public IDictionary<string, JsonElement>? Parameters { get; init; }
        public IDictionary<string, JsonElement>? Context { get; init; }
        public Guid? ParentTaskRunId { get; init; }
        public IList<string>? Tags { get; init; }
        public IDictionary<string, JsonElement>? Labels { get; init; }
        public string? IdempotencyKey { get; init; }
        public FlowRunPolicy? EmpiricalPolicy { get; init; }
        public StateCreate? State { get; init; }
        public IDictionary<string, JsonElement>? JobVariables { get; init; }
    }

    private sealed class SetStateBody
    {
        public StateCreate? State { get; init; }
        public bool? Force { get; init; }
    }
}
