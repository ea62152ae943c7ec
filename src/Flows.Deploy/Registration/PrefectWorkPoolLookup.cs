using System.Net;
using Flows.Api.Client;
using Flows.Deploy.Planning;

namespace Flows.Deploy.Registration;

/// <summary>Work pool existence via <c>GET /work_pools/{name}</c>: 404 → false; no answer or another error → null
/// (unknown), so a dry run warns instead of failing when the server is down.</summary>
public sealed class PrefectWorkPoolLookup(PrefectClient client) : IWorkPoolLookup
{
    public async Task<bool?> ExistsAsync(string workPoolName, CancellationToken cancellationToken = default)
    {
        try
        {
            await client.WorkPools.ReadWorkPoolAsync(workPoolName, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PrefectApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        catch (Exception ex) when (ex is PrefectApiException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
