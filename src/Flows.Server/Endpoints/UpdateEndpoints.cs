using System.Text.Json;
using Flows.Api.Models;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>PATCH and DELETE of deployments and flow runs: fields absent (or null) in the body stay as they are.</summary>
internal static class UpdateEndpoints
{
    public static void Map(IEndpointRouteBuilder api, Database db)
    {
        api.MapPatch("/deployments/{id}", async (string id, HttpRequest request, CancellationToken ct) =>
        {
            var deploymentId = Body.Id(id);
            var u = await Body.ReadAsync<DeploymentUpdate>(request, allowEmpty: true);
            await db.WriteAsync(async (c, t) =>
            {
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
            return Results.NoContent();
        });

        api.MapDelete("/deployments/{id}", async (string id, CancellationToken ct) =>
        {
            var deploymentId = Body.Id(id).ToString();
            await db.WriteAsync(async (c, t) =>
            {
                if (await c.ExecuteAsync(t, "DELETE FROM deployments WHERE id = @id", ("id", deploymentId)) == 0)
                {
                    throw ApiException.NotFound("Deployment");
                }

                // Prefect deletes the deployment's runs that have not started yet.
                return await c.ExecuteAsync(t, "DELETE FROM flow_runs WHERE deployment_id = @id AND state_type = 'SCHEDULED'", ("id", deploymentId));
            }, ct);
            return Results.NoContent();
        });

        api.MapPatch("/flow_runs/{id}", async (string id, HttpRequest request, CancellationToken ct) =>
        {
            var runId = Body.Id(id);
            var u = await Body.ReadAsync<FlowRunUpdate>(request, allowEmpty: true);
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

    private static Task<int> UpdateRunAsync(Database db, Guid id, Func<FlowRun, FlowRun> change, CancellationToken ct)
        => db.WriteAsync(async (c, t) =>
        {
            var run = await Rows.OneAsync<FlowRun>(c, t, $"SELECT body FROM flow_runs WHERE id = @id{db.ForUpdate}", ("id", id.ToString()))
                ?? throw ApiException.NotFound("Flow run");
            var updated = change(run) with { Updated = DateTimeOffset.UtcNow };
            return await c.ExecuteAsync(t, "UPDATE flow_runs SET name = @n, tags = @tags, body = @b WHERE id = @id",
                ("n", updated.Name), ("tags", Rows.Tags(updated.Tags)), ("b", Rows.Json(updated)), ("id", id.ToString()));
        }, ct);
}
