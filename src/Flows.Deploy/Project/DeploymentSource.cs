using Flows.Deploy.Loading;

namespace Flows.Deploy.Project;

/// <summary>Where a project's deployments come from.</summary>
public enum DeploymentSourceKind
{
    PrefectYaml,
    Csproj,
}

/// <summary>
/// A project's deployments in one model, whichever file declared them: a prefect.yaml-shaped document (the csproj
/// loader translates <c>&lt;FlowDeployment&gt;</c> items into the same shape) with a file:line:col for every value.
/// </summary>
public sealed record DeploymentSource(DeploymentSourceKind Kind, YamlDocument Document, ProjectInfo Project);
