using System.Text.Json;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>
/// <c>POST /events</c> (Prefect's api/events.py <c>create_events</c>): a batch of events, answered 204. This server keeps
/// one kind: <c>prefect.flow-run.heartbeat</c> for a <c>prefect.flow-run.{id}</c> resource, as the last heartbeat of
/// that run, which <see cref="Orchestration.OrphanSweeper"/> reads. Every other event is accepted and dropped (events
/// are not stored; their reads answer empty).
/// </summary>
internal static class EventEndpoints
{
    public const string FlowRunHeartbeat = "prefect.flow-run.heartbeat";
    private const string FlowRunResourcePrefix = "prefect.flow-run.";
    private const int MaxBatch = 1_000;

    public static void Map(IEndpointRouteBuilder api, Database db)
    {
        api.MapPost("/events", async (HttpRequest request, CancellationToken ct) =>
        {
            var events = await Body.ReadListAsync<JsonElement>(request);
            if (events.Count > MaxBatch)
            {
                throw ApiException.Invalid($"An event batch holds at most {MaxBatch} events; got {events.Count}.");
            }

            var heartbeats = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            for (var i = 0; i < events.Count; i++)
            {
                var e = events[i];
                if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("event", out var name) || name.ValueKind != JsonValueKind.String
                    || !e.TryGetProperty("occurred", out var occurred) || !occurred.TryGetDateTimeOffset(out var at)
                    || !e.TryGetProperty("resource", out var resource) || resource.ValueKind != JsonValueKind.Object
                    || !e.TryGetProperty("id", out var id) || !id.TryGetGuid(out _))
                {
                    throw ApiException.Invalid($"Event {i} needs event, occurred (a date-time), resource (an object) and id (a UUID).");
                }

                if (name.GetString() == FlowRunHeartbeat
                    && resource.TryGetProperty("prefect.resource.id", out var rid) && rid.GetString() is { } resourceId
                    && resourceId.StartsWith(FlowRunResourcePrefix, StringComparison.Ordinal)
                    && Guid.TryParse(resourceId[FlowRunResourcePrefix.Length..], out var runId))
                {
                    var key = runId.ToString();
                    heartbeats[key] = heartbeats.TryGetValue(key, out var seen) && seen > at ? seen : at;
                }
            }

            if (heartbeats.Count > 0)
            {
                await db.WriteAsync(async (c, t) =>
                {
                    foreach (var (runId, at) in heartbeats)
                    {
                        await c.ExecuteAsync(t, "INSERT INTO flow_run_heartbeats (flow_run_id, last_heartbeat) VALUES (@r, @at) "
                            + "ON CONFLICT (flow_run_id) DO UPDATE SET last_heartbeat = excluded.last_heartbeat WHERE excluded.last_heartbeat > flow_run_heartbeats.last_heartbeat",
                            ("r", runId), ("at", Rows.Time(at)));
                    }

                    return 0;
                }, ct);
            }

            return Results.NoContent();
        });
    }
}
