namespace Flows.Api.Client;

/// <summary>Server health and version.</summary>
public interface IAdminOperations
{
    /// <summary><c>GET /health</c>: true when the server is up.</summary>
    Task<bool> ReadHealthAsync(CancellationToken cancellationToken = default);

    /// <summary><c>GET /version</c>: the Prefect API version the server speaks.</summary>
    Task<string> ReadVersionAsync(CancellationToken cancellationToken = default);
}

internal sealed class AdminOperations(PrefectTransport transport) : IAdminOperations
{
    public Task<bool> ReadHealthAsync(CancellationToken cancellationToken = default)
        => transport.SendAsync<bool>(HttpMethod.Get, "health", null, idempotent: true, cancellationToken);

    public Task<string> ReadVersionAsync(CancellationToken cancellationToken = default)
        => transport.SendAsync<string>(HttpMethod.Get, "version", null, idempotent: true, cancellationToken);
}
