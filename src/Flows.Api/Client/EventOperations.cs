using Flows.Api.Models;

namespace Flows.Api.Client;

/// <summary>Events.</summary>
public interface IEventOperations
{
    /// <summary><c>POST /events</c>: records a batch. Retried: each event has its own id.</summary>
    Task EmitAsync(IEnumerable<Event> events, CancellationToken cancellationToken = default);
}

internal sealed class EventOperations(PrefectTransport transport) : IEventOperations
{
    public Task EmitAsync(IEnumerable<Event> events, CancellationToken cancellationToken = default)
        => transport.SendAsync(HttpMethod.Post, "events", events.ToList(), idempotent: true, cancellationToken);
}
