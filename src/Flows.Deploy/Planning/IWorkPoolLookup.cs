namespace Flows.Deploy.Planning;

/// <summary>Whether a work pool exists on the server. Null: it cannot be checked (no server configured or reachable),
/// which a dry run reports as a warning and a real deploy as an error before any side effect.</summary>
public interface IWorkPoolLookup
{
    Task<bool?> ExistsAsync(string workPoolName, CancellationToken cancellationToken = default);
}
