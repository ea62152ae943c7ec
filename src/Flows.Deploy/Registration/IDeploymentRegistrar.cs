using Flows.Deploy.Planning;

namespace Flows.Deploy.Registration;

/// <summary>Writes planned deployments to a server (upsert flow by name, then upsert the deployment).</summary>
public interface IDeploymentRegistrar
{
    /// <summary>Returns each deployment's server id, in plan order.</summary>
    Task<IReadOnlyList<Guid>> RegisterAsync(DeploymentPlan plan, CancellationToken cancellationToken = default);
}
