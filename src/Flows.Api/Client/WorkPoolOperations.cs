using Flows.Api.Models;

namespace Flows.Api.Client;

/// <summary>Work pools, their queues and workers.</summary>
public interface IWorkPoolOperations
{
    /// <summary><c>POST /work_pools/</c> (409 when the name exists).</summary>
    Task<WorkPool> CreateWorkPoolAsync(WorkPoolCreate workPool, CancellationToken cancellationToken = default);

    /// <summary><c>GET /work_pools/{name}</c>.</summary>
    Task<WorkPool> ReadWorkPoolAsync(string name, CancellationToken cancellationToken = default);

    /// <summary><c>PATCH /work_pools/{name}</c>.</summary>
    Task UpdateWorkPoolAsync(string name, WorkPoolUpdate update, CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /work_pools/{name}</c>.</summary>
    Task DeleteWorkPoolAsync(string name, CancellationToken cancellationToken = default);

    /// <summary><c>POST /work_pools/filter</c>.</summary>
    Task<IReadOnlyList<WorkPool>> ReadWorkPoolsAsync(WorkPoolFilterRequest? filter = null, CancellationToken cancellationToken = default);

    /// <summary><c>POST /work_pools/{name}/get_scheduled_flow_runs</c>: runs due for submission.</summary>
    Task<IReadOnlyList<WorkerFlowRunResponse>> GetScheduledFlowRunsAsync(string workPoolName, GetScheduledFlowRunsRequest? request = null, CancellationToken cancellationToken = default);

    /// <summary><c>POST /work_pools/{name}/workers/heartbeat</c>.</summary>
    Task SendWorkerHeartbeatAsync(string workPoolName, WorkerHeartbeat heartbeat, CancellationToken cancellationToken = default);

    /// <summary><c>POST /work_pools/{name}/workers/filter</c>.</summary>
    Task<IReadOnlyList<Worker>> ReadWorkersAsync(string workPoolName, WorkerFilterRequest? filter = null, CancellationToken cancellationToken = default);

    /// <summary><c>POST /work_pools/{name}/queues</c>.</summary>
    Task<WorkQueue> CreateWorkQueueAsync(string workPoolName, WorkQueueCreate workQueue, CancellationToken cancellationToken = default);

    /// <summary><c>GET /work_pools/{name}/queues/{queue}</c>.</summary>
    Task<WorkQueue> ReadWorkQueueAsync(string workPoolName, string workQueueName, CancellationToken cancellationToken = default);
}

internal sealed class WorkPoolOperations(PrefectTransport transport) : IWorkPoolOperations
{
    private static string Pool(string name) => $"work_pools/{Uri.EscapeDataString(name)}";

    public Task<WorkPool> CreateWorkPoolAsync(WorkPoolCreate workPool, CancellationToken cancellationToken = default)
        => transport.SendAsync<WorkPool>(HttpMethod.Post, "work_pools/", workPool, idempotent: false, cancellationToken);

    public Task<WorkPool> ReadWorkPoolAsync(string name, CancellationToken cancellationToken = default)
        => transport.SendAsync<WorkPool>(HttpMethod.Get, Pool(name), null, idempotent: true, cancellationToken);

    public Task UpdateWorkPoolAsync(string name, WorkPoolUpdate update, CancellationToken cancellationToken = default)
        => transport.SendAsync(HttpMethod.Patch, Pool(name), update, idempotent: true, cancellationToken);

    public Task DeleteWorkPoolAsync(string name, CancellationToken cancellationToken = default)
        => transport.SendAsync(HttpMethod.Delete, Pool(name), null, idempotent: false, cancellationToken);

    public async Task<IReadOnlyList<WorkPool>> ReadWorkPoolsAsync(WorkPoolFilterRequest? filter = null, CancellationToken cancellationToken = default)
        => await transport.SendAsync<List<WorkPool>>(HttpMethod.Post, "work_pools/filter", filter ?? new WorkPoolFilterRequest(), idempotent: true, cancellationToken).ConfigureAwait(false);

    // Reading due runs claims nothing (the Pending proposal does), so a retry is safe.
    public async Task<IReadOnlyList<WorkerFlowRunResponse>> GetScheduledFlowRunsAsync(string workPoolName, GetScheduledFlowRunsRequest? request = null, CancellationToken cancellationToken = default)
        => await transport.SendAsync<List<WorkerFlowRunResponse>>(HttpMethod.Post, $"{Pool(workPoolName)}/get_scheduled_flow_runs",
            request ?? new GetScheduledFlowRunsRequest(), idempotent: true, cancellationToken).ConfigureAwait(false);

    public Task SendWorkerHeartbeatAsync(string workPoolName, WorkerHeartbeat heartbeat, CancellationToken cancellationToken = default)
        => transport.SendAsync(HttpMethod.Post, $"{Pool(workPoolName)}/workers/heartbeat", heartbeat, idempotent: true, cancellationToken);

    public async Task<IReadOnlyList<Worker>> ReadWorkersAsync(string workPoolName, WorkerFilterRequest? filter = null, CancellationToken cancellationToken = default)
        => await transport.SendAsync<List<Worker>>(HttpMethod.Post, $"{Pool(workPoolName)}/workers/filter", filter ?? new WorkerFilterRequest(), idempotent: true, cancellationToken).ConfigureAwait(false);

    public Task<WorkQueue> CreateWorkQueueAsync(string workPoolName, WorkQueueCreate workQueue, CancellationToken cancellationToken = default)
        => transport.SendAsync<WorkQueue>(HttpMethod.Post, $"{Pool(workPoolName)}/queues", workQueue, idempotent: false, cancellationToken);

    public Task<WorkQueue> ReadWorkQueueAsync(string workPoolName, string workQueueName, CancellationToken cancellationToken = default)
        => transport.SendAsync<WorkQueue>(HttpMethod.Get, $"{Pool(workPoolName)}/queues/{Uri.EscapeDataString(workQueueName)}", null, idempotent: true, cancellationToken);
}
