using System.Text.Json.Nodes;

namespace Flows.Deploy.Steps;

/// <summary>
/// One prefect.yaml step implementation (<c>run_shell_script</c>, the git step, the image steps …), chosen by its
/// fully-qualified name. Inputs arrive already templated; the returned object is the step's outputs.
/// </summary>
public interface IDeploymentStep
{
    /// <summary>The name as written in prefect.yaml, e.g. <c>prefect.deployments.steps.run_shell_script</c>.</summary>
    string Name { get; }

    Task<JsonObject> RunAsync(StepInvocation invocation, CancellationToken cancellationToken = default);
}
