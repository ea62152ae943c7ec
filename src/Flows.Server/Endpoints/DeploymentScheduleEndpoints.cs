using System.Text.Json;
using Flows.Api.Models;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>
/// A deployment's schedules one by one (Prefect's api/deployments.py, /deployments/{id}/schedules). They live inside
/// the deployment's row; every change replaces the runs the old schedules made, as PATCH /deployments/{id} does.
/// </summary>
internal static class DeploymentScheduleEndpoints
{
    public static void Map(IEndpointRouteBuilder api, Database db)
    {
        api.MapGet("/deployments/{id}/schedules", async (string id, CancellationToken ct) =>
            Body.Json((await DeploymentEndpoints.ReadAsync(db, Body.Id(id), ct)).Schedules));

        api.MapPost("/deployments/{id}/schedules", async (string id, HttpRequest request, CancellationToken ct) =>
        {
            var deploymentId = Body.Id(id);
            var creates = await Body.ReadListAsync<DeploymentScheduleCreate>(request);
            if (creates.Any(c => c?.Schedule is null))
            {
                throw ApiException.Validation(["body", "schedule"], "Field required", "missing");
            }

            var now = DateTimeOffset.UtcNow;
            var created = creates.Select(s => new DeploymentSchedule
            {
                Id = Guid.CreateVersion7(), Created = now, Updated = now, DeploymentId = deploymentId, Schedule = s.Schedule, Active = s.Active ?? true,
                MaxScheduledRuns = s.MaxScheduledRuns, Parameters = s.Parameters ?? new Dictionary<string, JsonElement>(), Slug = s.Slug,
            }).ToList();
            await ChangeAsync(db, deploymentId, schedules =>
            {
                foreach (var slug in created.Select(s => s.Slug).Where(s => s is not null))
                {
                    if (schedules.Any(s => s.Slug == slug))
                    {
                        throw ApiException.Conflict($"A schedule with slug '{slug}' already exists on this deployment.");
                    }
                }

                Body.CheckScheduleCount(schedules.Count + created.Count, "body");
                return [.. schedules, .. created];
            }, ct);
            return Body.Json(created, 201);
        });

        api.MapPatch("/deployments/{id}/schedules/{scheduleId}", async (string id, string scheduleId, HttpRequest request, CancellationToken ct) =>
        {
            var (deploymentId, sid) = (Body.Id(id), Body.Id(scheduleId));
            var update = await Body.ReadAsync<ScheduleUpdateBody>(request, allowEmpty: true);
            await ChangeAsync(db, deploymentId, schedules =>
            {
                var current = schedules.FirstOrDefault(s => s.Id == sid) ?? throw ApiException.NotFound("Schedule");
                var changed = current with
                {
                    Updated = DateTimeOffset.UtcNow, Active = update.Active ?? current.Active, Schedule = update.Schedule ?? current.Schedule,
                    MaxScheduledRuns = update.MaxScheduledRuns ?? current.MaxScheduledRuns, Parameters = update.Parameters ?? current.Parameters, Slug = update.Slug ?? current.Slug,
                };
                return schedules.Select(s => s.Id == sid ? changed : s).ToList();
            }, ct);
            return Results.NoContent();
        });

        api.MapDelete("/deployments/{id}/schedules/{scheduleId}", async (string id, string scheduleId, CancellationToken ct) =>
        {
            var (deploymentId, sid) = (Body.Id(id), Body.Id(scheduleId));
            await ChangeAsync(db, deploymentId, schedules =>
                schedules.Any(s => s.Id == sid) ? schedules.Where(s => s.Id != sid).ToList() : throw ApiException.NotFound("Schedule"), ct);
            return Results.NoContent();
        });
    }

    private static Task<int> ChangeAsync(Database db, Guid deploymentId, Func<IList<DeploymentSchedule>, IList<DeploymentSchedule>> change, CancellationToken ct)
        => db.WriteAsync(async (c, t) =>
        {
            var d = await Rows.OneAsync<DeploymentResponse>(c, t, $"SELECT body FROM deployments WHERE id = @id{db.ForUpdate}", ("id", deploymentId.ToString()))
                ?? throw ApiException.NotFound("Deployment");
            var now = DateTimeOffset.UtcNow;
            var updated = d with { Schedules = change(d.Schedules), Updated = now };
            await Scheduling.Scheduler.DeleteAutoScheduledAsync(c, t, d.Id);
            await Scheduling.Scheduler.ScheduleDeploymentAsync(c, t, updated, now);
            return await c.ExecuteAsync(t, "UPDATE deployments SET updated = @u, body = @b WHERE id = @id", ("u", Rows.Time(now)), ("b", Rows.Json(updated)), ("id", d.Id.ToString()));
        }, ct);

    private sealed class ScheduleUpdateBody
    {
        public bool? Active { get; init; }
        public Schedule? Schedule { get; init; }
        public int? MaxScheduledRuns { get; init; }
        public IDictionary<string, JsonElement>? Parameters { get; init; }
        public string? Slug { get; init; }
    }
}
