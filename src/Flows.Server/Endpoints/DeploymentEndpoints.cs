using System.Text.Json;
using Flows.Api.Models;
using Flows.Server.Filtering;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>Deployments (Prefect's api/deployments.py): upsert, read, filter, update, delete, and create_flow_run.</summary>
internal static class DeploymentEndpoints
{
    public static void Map(IEndpointRouteBuilder api, Database db)
    {
        // Upsert by (flow_id, name): 201 created, 200 updated; every field is replaced by the request's.
        api.MapPost("/deployments/", async (HttpRequest request, CancellationToken ct) =>
        {
            var create = await Body.ReadAsync<DeploymentCreateBody>(request);
            Body.CheckName(create.Name, "Deployment");
            Body.CheckScheduleCount(create.Schedules?.Count ?? 0, "body", "schedules");
            var flowId = create.FlowId ?? throw ApiException.Invalid("flow_id is required.");
            var (deployment, created) = await db.WriteAsync(async (c, t) =>
            {
                if (await c.ScalarAsync<string>(t, "SELECT id FROM flows WHERE id = @id", ("id", flowId.ToString())) is null)
                {
                    throw ApiException.NotFound("Flow");
                }

                Guid? queueId = null;
                var queueName = create.WorkQueueName;
                if (create.WorkPoolName is { } poolName)
                {
                    var pool = await Rows.OneAsync<WorkPool>(c, t, "SELECT body FROM work_pools WHERE name = @n", ("n", poolName))
                        ?? throw ApiException.NotFound($"Work pool '{poolName}'");
                    queueName ??= "default";
                    var queueIdText = await c.ScalarAsync<string>(t, "SELECT id FROM work_queues WHERE work_pool_id = @p AND name = @n", ("p", pool.Id.ToString()), ("n", queueName));
                    if (queueIdText is null)
                    {
                        // Prefect creates a named queue on first use.
                        var queue = new WorkQueue { Id = Guid.CreateVersion7(), Created = DateTimeOffset.UtcNow, Updated = DateTimeOffset.UtcNow, Name = queueName, WorkPoolId = pool.Id, WorkPoolName = pool.Name };
                        await c.ExecuteAsync(t, "INSERT INTO work_queues (id, work_pool_id, name, priority, is_paused, body) VALUES (@id, @p, @n, 1, 0, @b)",
                            ("id", queue.Id.ToString()), ("p", pool.Id.ToString()), ("n", queueName), ("b", Rows.Json(queue)));
                        queueIdText = queue.Id.ToString();
                    }

                    queueId = Guid.Parse(queueIdText);
                    WorkPools.JobVariableValidation.Validate(pool.BaseJobTemplate, create.JobVariables, System.Net.HttpStatusCode.Conflict, "creating deployment");
                }

                var existing = await Rows.OneAsync<DeploymentResponse>(c, t, "SELECT body FROM deployments WHERE flow_id = @f AND name = @n",
                    ("f", flowId.ToString()), ("n", create.Name));
                var now = DateTimeOffset.UtcNow;
                var id = existing?.Id ?? Guid.CreateVersion7();
                var deployment = new DeploymentResponse
                {
                    Id = id, Created = existing?.Created ?? now, Updated = now, Name = create.Name!, FlowId = flowId,
                    Version = create.Version, Description = create.Description, Paused = create.Paused ?? false,
                    Schedules = (create.Schedules ?? []).Select(s => new DeploymentSchedule
                    {
                        Id = Guid.CreateVersion7(), Created = now, Updated = now, DeploymentId = id, Schedule = s.Schedule,
                        Active = s.Active ?? true, MaxScheduledRuns = s.MaxScheduledRuns, Parameters = s.Parameters ?? new Dictionary<string, JsonElement>(), Slug = s.Slug,
                    }).ToList(),
                    ConcurrencyLimit = create.ConcurrencyLimit, JobVariables = create.JobVariables ?? new Dictionary<string, JsonElement>(),
                    Parameters = create.Parameters ?? new Dictionary<string, JsonElement>(), Tags = create.Tags ?? [],
                    Labels = create.Labels ?? new Dictionary<string, JsonElement>(), WorkQueueName = queueName, WorkQueueId = queueId,
                    ParameterOpenapiSchema = create.ParameterOpenapiSchema, Path = create.Path, PullSteps = create.PullSteps,
                    Entrypoint = create.Entrypoint, WorkPoolName = create.WorkPoolName, Status = DeploymentStatus.NotReady,
                    EnforceParameterSchema = create.EnforceParameterSchema ?? true,
                };
                (string, object?)[] p = [("id", id.ToString()), ("f", flowId.ToString()), ("n", deployment.Name), ("tags", Rows.Tags(deployment.Tags)),
                    ("wp", deployment.WorkPoolName), ("wq", deployment.WorkQueueName), ("c", Rows.Time(deployment.Created!.Value)), ("u", Rows.Time(now)), ("b", Rows.Json(deployment))];
                await c.ExecuteAsync(t, existing is null
                    ? "INSERT INTO deployments (id, flow_id, name, tags, work_pool_name, work_queue_name, created, updated, body) VALUES (@id, @f, @n, @tags, @wp, @wq, @c, @u, @b)"
                    : "UPDATE deployments SET tags = @tags, work_pool_name = @wp, work_queue_name = @wq, updated = @u, body = @b WHERE id = @id AND flow_id = @f AND name = @n AND created = @c", p);
                if (existing is not null)
                {
                    // The schedules sent replace the stored ones ([] clears them): drop the future runs
                    // the old schedules made; the scheduler recreates them from the new ones.
                    await Scheduling.Scheduler.DeleteAutoScheduledAsync(c, t, id);
                }

                await Scheduling.Scheduler.ScheduleDeploymentAsync(c, t, deployment, now);
                return (deployment, existing is null);
            }, ct);
            return Body.Json(deployment, created ? 201 : 200);
        });

        api.MapGet("/deployments/{id}", async (string id, CancellationToken ct) => Body.Json(await ReadAsync(db, Body.Id(id), ct)));

        api.MapGet("/deployments/name/{flowName}/{deploymentName}", async (string flowName, string deploymentName, CancellationToken ct) =>
            Body.Json((await WithStatusAsync(db, [await db.ReadAsync(c => Rows.OneAsync<DeploymentResponse>(c, null,
                "SELECT d.body FROM deployments d JOIN flows f ON f.id = d.flow_id WHERE f.name = @f AND d.name = @d", ("f", flowName), ("d", deploymentName)), ct)
                ?? throw ApiException.NotFound("Deployment")], ct))[0]));

        api.MapPost("/deployments/filter", async (HttpRequest request, CancellationToken ct) =>
        {
            var filter = await FilterRequest.ReadAsync(request);
            return Body.Json(await FilterAsync(db, filter, filter.Offset, filter.Limit, ct));
        });

        api.MapPost("/deployments/count", async (HttpRequest request, CancellationToken ct) =>
            Body.Json(await CountAsync(db, await FilterRequest.ReadAsync(request), ct)));

        api.MapPost("/deployments/paginate", async (HttpRequest request, CancellationToken ct) =>
        {
            var filter = await FilterRequest.ReadAsync(request);
            var (page, limit) = (filter.Page, filter.Limit);
            return Body.Json(Pages.Of(await FilterAsync(db, filter, (page - 1L) * limit, limit, ct), await CountAsync(db, filter, ct), page, limit));
        });

        api.MapPost("/deployments/{id}/create_flow_run", async (string id, HttpRequest request, CancellationToken ct) =>
        {
            var deploymentId = Body.Id(id);
            var create = await Body.ReadAsync<DeploymentFlowRunCreate>(request, allowEmpty: true);
            return Body.Json(await FlowRunEndpoints.CreateFromDeploymentAsync(db, deploymentId, create, ct), 201);
        });

        api.MapPatch("/deployments/{id}", async (string id, HttpRequest request, CancellationToken ct) =>
        {
            var deploymentId = Body.Id(id);
            var u = await Body.ReadAsync<DeploymentUpdate>(request, allowEmpty: true);
            await UpdateAsync(db, deploymentId, u, ct);
            return Results.NoContent();
        });

        api.MapPost("/deployments/{id}/pause_deployment", async (string id, CancellationToken ct) =>
        {
            await UpdateAsync(db, Body.Id(id), new DeploymentUpdate { Paused = true }, ct);
            return Body.Json<object?>(null); // Prefect answers 200 with null
        });

        api.MapPost("/deployments/{id}/resume_deployment", async (string id, CancellationToken ct) =>
        {
            await UpdateAsync(db, Body.Id(id), new DeploymentUpdate { Paused = false }, ct);
            return Body.Json<object?>(null);
        });

        api.MapDelete("/deployments/{id}", async (string id, CancellationToken ct) =>
        {
            var deploymentId = Body.Id(id).ToString();
            await db.WriteAsync(async (c, t) =>
            {
                return await Deletions.DeleteDeploymentAsync(c, t, deploymentId) ? 0 : throw ApiException.NotFound("Deployment");
            }, ct);
            return Results.NoContent();
        });
    }

    /// <summary>PATCH /deployments/{id} (also pause and resume): fields absent or null stay; new schedules or pausing replace the runs the old ones made.</summary>
    internal static Task<int> UpdateAsync(Database db, Guid deploymentId, DeploymentUpdate u, CancellationToken ct)
        => db.WriteAsync(async (c, t) =>
        {
            Body.CheckScheduleCount(u.Schedules?.Count ?? 0, "body", "schedules");
            var d = await Rows.OneAsync<DeploymentResponse>(c, t, $"SELECT body FROM deployments WHERE id = @id{db.ForUpdate}", ("id", deploymentId.ToString()))
                ?? throw ApiException.NotFound("Deployment");
            var now = DateTimeOffset.UtcNow;
            var updated = d with
            {
                Updated = now, Version = u.Version ?? d.Version, Description = u.Description ?? d.Description, Paused = u.Paused ?? d.Paused,
                Schedules = u.Schedules is { } s
                    ? s.Select(x => new DeploymentSchedule { Id = Guid.CreateVersion7(), Created = now, Updated = now, DeploymentId = d.Id, Schedule = x.Schedule, Active = x.Active ?? true, MaxScheduledRuns = x.MaxScheduledRuns, Parameters = x.Parameters ?? new Dictionary<string, JsonElement>(), Slug = x.Slug }).ToList()
                    : d.Schedules,
                ConcurrencyLimit = u.ConcurrencyLimit ?? d.ConcurrencyLimit, Parameters = u.Parameters ?? d.Parameters,
                ParameterOpenapiSchema = u.ParameterOpenapiSchema ?? d.ParameterOpenapiSchema, Tags = u.Tags ?? d.Tags, Path = u.Path ?? d.Path,
                JobVariables = u.JobVariables ?? d.JobVariables, PullSteps = u.PullSteps ?? d.PullSteps, Entrypoint = u.Entrypoint ?? d.Entrypoint,
                EnforceParameterSchema = u.EnforceParameterSchema ?? d.EnforceParameterSchema,
            };
            if (u.WorkPoolName is not null && u.WorkPoolName != d.WorkPoolName)
            {
                throw ApiException.Invalid("Moving a deployment to another work pool: upsert it with POST /deployments/ instead.");
            }

            if (u.Schedules is not null || u.Paused is not null)
            {
                await Scheduling.Scheduler.DeleteAutoScheduledAsync(c, t, d.Id);
                await Scheduling.Scheduler.ScheduleDeploymentAsync(c, t, updated, now);
            }

            return await c.ExecuteAsync(t, "UPDATE deployments SET tags = @tags, updated = @u, body = @b WHERE id = @id",
                ("tags", Rows.Tags(updated.Tags)), ("u", Rows.Time(now)), ("b", Rows.Json(updated)), ("id", d.Id.ToString()));
        }, ct);

    internal static async Task<List<DeploymentResponse>> FilterAsync(Database db, FilterRequest filter, long offset, int limit, CancellationToken ct)
    {
        var where = new SqlWhere();
        var clause = FilterQueries.Deployments(filter, where, db);
        var order = Sorts[filter.Sort("NAME_ASC", [.. Sorts.Keys])];
        return await WithStatusAsync(db, await db.ReadAsync(c => Rows.ManyAsync<DeploymentResponse>(c, null,
            $"SELECT d.body FROM deployments d{clause} ORDER BY {order}, d.id LIMIT {limit} OFFSET {offset}", where.Parameters), ct), ct);
    }

    /// <summary>Prefect's deployment status: READY while a worker polls the deployment's queue (within 60 seconds), else NOT_READY.</summary>
    private static async Task<List<DeploymentResponse>> WithStatusAsync(Database db, List<DeploymentResponse> deployments, CancellationToken ct)
    {
        var queueIds = deployments.Select(d => d.WorkQueueId).OfType<Guid>().Distinct().ToList();
        if (queueIds.Count == 0)
        {
            return deployments;
        }

        var where = new SqlWhere();
        where.AddIn("id", queueIds.Select(q => q.ToString()));
        var queues = await db.ReadAsync(c => Rows.ManyAsync<WorkQueue>(c, null, $"SELECT body FROM work_queues{where}", where.Parameters), ct);
        var ready = queues.Where(q => WorkQueueEndpoints.WithStatus(q with { IsPaused = false }).Status == WorkQueueStatus.Ready).Select(q => q.Id).ToHashSet();
        return deployments.Select(d => d with { Status = d.WorkQueueId is { } q && ready.Contains(q) ? DeploymentStatus.Ready : DeploymentStatus.NotReady }).ToList();
    }

    internal static async Task<long> CountAsync(Database db, FilterRequest filter, CancellationToken ct)
    {
        var where = new SqlWhere();
        var clause = FilterQueries.Deployments(filter, where, db);
        return await db.ReadAsync(c => c.ScalarAsync<long>(null, $"SELECT COUNT(*) FROM deployments d{clause}", [.. where.Parameters]), ct);
    }

    // Prefect's DeploymentSort.
    private static readonly Dictionary<string, string> Sorts = new()
    {
        ["CREATED_DESC"] = "d.created DESC", ["UPDATED_DESC"] = "d.updated DESC", ["NAME_ASC"] = "d.name ASC", ["NAME_DESC"] = "d.name DESC",
    };

    public static async Task<DeploymentResponse> ReadAsync(Database db, Guid id, CancellationToken ct)
        => (await WithStatusAsync(db, [await db.ReadAsync(c => Rows.OneAsync<DeploymentResponse>(c, null, "SELECT body FROM deployments WHERE id = @id", ("id", id.ToString())), ct)
           ?? throw ApiException.NotFound("Deployment")], ct))[0];

    private sealed class DeploymentCreateBody
    {
        public string? Name { get; init; }
        public Guid? FlowId { get; init; }
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
}
