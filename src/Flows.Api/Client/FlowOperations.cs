using Flows.Api.Models;

namespace Flows.Api.Client;

/// <summary>Flows.</summary>
public interface IFlowOperations
{
    /// <summary><c>POST /flows/</c>: creates the flow, or returns the existing one with that name.</summary>
    Task<Flow> CreateFlowAsync(FlowCreate flow, CancellationToken cancellationToken = default);

    /// <summary><c>GET /flows/{id}</c>.</summary>
    Task<Flow> ReadFlowAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /flows/name/{name}</c>.</summary>
    Task<Flow> ReadFlowByNameAsync(string name, CancellationToken cancellationToken = default);

    /// <summary><c>POST /flows/filter</c>.</summary>
    Task<IReadOnlyList<Flow>> ReadFlowsAsync(FlowFilterRequest? filter = null, CancellationToken cancellationToken = default);
}

internal sealed class FlowOperations(PrefectTransport transport) : IFlowOperations
{
    // Upsert by name: sending it twice is harmless, so it may be retried.
    public Task<Flow> CreateFlowAsync(FlowCreate flow, CancellationToken cancellationToken = default)
        => transport.SendAsync<Flow>(HttpMethod.Post, "flows/", flow, idempotent: true, cancellationToken);

    public Task<Flow> ReadFlowAsync(Guid id, CancellationToken cancellationToken = default)
        => transport.SendAsync<Flow>(HttpMethod.Get, $"flows/{id}", null, idempotent: true, cancellationToken);

    public Task<Flow> ReadFlowByNameAsync(string name, CancellationToken cancellationToken = default)
        => transport.SendAsync<Flow>(HttpMethod.Get, $"flows/name/{Uri.EscapeDataString(name)}", null, idempotent: true, cancellationToken);

    public async Task<IReadOnlyList<Flow>> ReadFlowsAsync(FlowFilterRequest? filter = null, CancellationToken cancellationToken = default)
        => await transport.SendAsync<List<Flow>>(HttpMethod.Post, "flows/filter", filter ?? new FlowFilterRequest(), idempotent: true, cancellationToken).ConfigureAwait(false);
}
