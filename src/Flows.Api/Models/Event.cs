using System.Text.Json;

namespace Flows.Api.Models;

/// <summary>An event as Prefect's <c>POST /events</c> takes it (Prefect's <c>Event</c> schema).</summary>
public sealed record Event
{
    public required Guid Id { get; init; }

    public required DateTimeOffset Occurred { get; init; }

    /// <summary>The event's name, e.g. <c>prefect.flow-run.heartbeat</c> (JSON <c>event</c>).</summary>
    [System.Text.Json.Serialization.JsonPropertyName("event")]
    public required string Name { get; init; }

    /// <summary>Labels of the resource the event is about; <c>prefect.resource.id</c> is required.</summary>
    public required IDictionary<string, string> Resource { get; init; }

    public IList<IDictionary<string, string>> Related { get; init; } = [];

    public IDictionary<string, JsonElement> Payload { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>A flow run's heartbeat, as Prefect's runner emits it (<c>PREFECT_RUNNER_HEARTBEAT_FREQUENCY</c>).</summary>
    public static Event FlowRunHeartbeat(Guid flowRunId, string? flowRunName, DateTimeOffset occurred)
    {
        var resource = new Dictionary<string, string> { ["prefect.resource.id"] = $"prefect.flow-run.{flowRunId}" };
        if (flowRunName is not null)
        {
            resource["prefect.resource.name"] = flowRunName;
        }

        return new Event { Id = Guid.NewGuid(), Occurred = occurred, Name = "prefect.flow-run.heartbeat", Resource = resource };
    }
}
