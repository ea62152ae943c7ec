using Flows.Api.Models;
using Flows.Deploy.Diagnostics;

namespace Flows.Deploy.Planning;

/// <summary>Everything a deploy will do, computed before it does any of it: each image once, and per deployment the
/// exact <c>POST /deployments/</c> body. Values that only exist after the build are shown as planned.</summary>
public sealed record DeploymentPlan(
    IReadOnlyList<PlannedImage> Images,
    IReadOnlyList<PlannedDeployment> Deployments,
    IReadOnlyList<DeployDiagnostic> Warnings);

/// <summary>One deployment: the flow to upsert (<c>POST /flows/</c> by name) and the body for <c>POST /deployments/</c>.
/// <c>flow_id</c> in <see cref="Body"/> is <see cref="Guid.Empty"/> until the flow is upserted.</summary>
public sealed record PlannedDeployment(string FlowName, DeploymentCreate Body)
{
    /// <summary><c>flow/deployment</c>, as <c>-n</c> and <c>deployment run</c> name it.</summary>
    public string FullName => $"{FlowName}/{Body.Name}";
}
