using Flows.Api.Models;

namespace Flows.Api.Client;

/// <summary>Deployments and runs created from them.</summary>
public interface IDeploymentOperations
{
    /// <summary><c>POST /deployments/</c>: upsert by (flow_id, name); the schedules sent replace the stored ones.</summary>
    Task<DeploymentResponse> CreateDeploymentAsync(DeploymentCreate deployment, CancellationToken cancellationToken = default);

    /// <summary><c>GET /deployments/{id}</c>.</summary>
    Task<DeploymentResponse> ReadDeploymentAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /deployments/name/{flow}/{deployment}</c>.</summary>
    Task<DeploymentResponse> ReadDeploymentByNameAsync(string flowName, string deploymentName, CancellationToken cancellationToken = default);

    /// <summary><c>PATCH /deployments/{id}</c>: changes the fields set in <paramref name="update"/>.</summary>
    Task UpdateDeploymentAsync(Guid id, DeploymentUpdate update, CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /deployments/{id}</c>.</summary>
    Task DeleteDeploymentAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary><c>POST /deployments/filter</c>.</summary>
    Task<IReadOnlyList<DeploymentResponse>> ReadDeploymentsAsync(DeploymentFilterRequest? filter = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /deployments/{id}/create_flow_run</c>. Retried on transient errors only when an
    /// idempotency key is set (the server then returns the run already created).
    /// </summary>
    Task<FlowRun> CreateFlowRunFromDeploymentAsync(Guid deploymentId, DeploymentFlowRunCreate? flowRun = null, CancellationToken cancellationToken = default);
}

internal sealed class DeploymentOperations(PrefectTransport transport) : IDeploymentOperations
{
    public Task<DeploymentResponse> CreateDeploymentAsync(DeploymentCreate deployment, CancellationToken cancellationToken = default)
        => transport.SendAsync<DeploymentResponse>(HttpMethod.Post, "deployments/", deployment, idempotent: true, cancellationToken);

    public Task<DeploymentResponse> ReadDeploymentAsync(Guid id, CancellationToken cancellationToken = default)
        => transport.SendAsync<DeploymentResponse>(HttpMethod.Get, $"deployments/{id}", null, idempotent: true, cancellationToken);

    public Task<DeploymentResponse> ReadDeploymentByNameAsync(string flowName, string deploymentName, CancellationToken cancellationToken = default)
        => transport.SendAsync<DeploymentResponse>(HttpMethod.Get,
            $"deployments/name/{Uri.EscapeDataString(flowName)}/{Uri.EscapeDataString(deploymentName)}", null, idempotent: true, cancellationToken);

    public Task UpdateDeploymentAsync(Guid id, DeploymentUpdate update, CancellationToken cancellationToken = default)
        => transport.SendAsync(HttpMethod.Patch, $"deployments/{id}", update, idempotent: true, cancellationToken);

    public Task DeleteDeploymentAsync(Guid id, CancellationToken cancellationToken = default)
        => transport.SendAsync(HttpMethod.Delete, $"deployments/{id}", null, idempotent: false, cancellationToken);

    public async Task<IReadOnlyList<DeploymentResponse>> ReadDeploymentsAsync(DeploymentFilterRequest? filter = null, CancellationToken cancellationToken = default)
        => await transport.SendAsync<List<DeploymentResponse>>(HttpMethod.Post, "deployments/filter", filter ?? new DeploymentFilterRequest(), idempotent: true, cancellationToken).ConfigureAwait(false);

    public Task<FlowRun> CreateFlowRunFromDeploymentAsync(Guid deploymentId, DeploymentFlowRunCreate? flowRun = null, CancellationToken cancellationToken = default)
        => transport.SendAsync<FlowRun>(HttpMethod.Post, $"deployments/{deploymentId}/create_flow_run", flowRun ?? new DeploymentFlowRunCreate(),
            idempotent: flowRun?.IdempotencyKey is not null, cancellationToken);
}
