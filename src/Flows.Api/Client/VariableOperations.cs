using Flows.Api.Models;

namespace Flows.Api.Client;

/// <summary>Variables.</summary>
public interface IVariableOperations
{
    /// <summary><c>GET /variables/name/{name}</c>; null when there is none (as Prefect's client does).</summary>
    Task<Variable?> ReadVariableByNameAsync(string name, CancellationToken cancellationToken = default);

    /// <summary><c>POST /variables/</c> (Prefect's endpoint; outside the subset the tools call).</summary>
    Task<Variable> CreateVariableAsync(VariableCreate variable, CancellationToken cancellationToken = default);
}

internal sealed class VariableOperations(PrefectTransport transport) : IVariableOperations
{
    public async Task<Variable?> ReadVariableByNameAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await transport.SendAsync<Variable>(HttpMethod.Get, $"variables/name/{Uri.EscapeDataString(name)}", null, idempotent: true, cancellationToken).ConfigureAwait(false);
        }
        catch (PrefectApiException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    public Task<Variable> CreateVariableAsync(VariableCreate variable, CancellationToken cancellationToken = default)
        => transport.SendAsync<Variable>(HttpMethod.Post, "variables/", variable, idempotent: false, cancellationToken);
}
