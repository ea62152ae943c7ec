using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Deploy.Planning;

namespace Flows.Deploy.Registration;

/// <summary>Registers through the Prefect REST API (this project's server, Prefect server or Cloud): <c>POST /flows/</c>
/// (upsert by name) once per flow, then <c>POST /deployments/</c> (upsert by flow and name) with the planned body.</summary>
public sealed class PrefectDeploymentRegistrar(PrefectClient client) : IDeploymentRegistrar
{
    public async Task<IReadOnlyList<Guid>> RegisterAsync(DeploymentPlan plan, CancellationToken cancellationToken = default)
    {
        var flowIds = new Dictionary<string, Guid>(StringComparer.Ordinal);
        var ids = new List<Guid>();
        foreach (var deployment in plan.Deployments)
        {
            if (!flowIds.TryGetValue(deployment.FlowName, out var flowId))
            {
                flowId = (await client.Flows.CreateFlowAsync(new FlowCreate { Name = deployment.FlowName }, cancellationToken).ConfigureAwait(false)).Id;
                flowIds[deployment.FlowName] = flowId;
            }

            var created = await client.Deployments.CreateDeploymentAsync(deployment.Body with { FlowId = flowId }, cancellationToken).ConfigureAwait(false);
            ids.Add(created.Id);
        }

        return ids;
    }
}
