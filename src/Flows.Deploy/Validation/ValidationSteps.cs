using System.Text.Json.Nodes;
using Flows.Deploy.Steps;

namespace Flows.Deploy.Validation;

/// <summary>
/// The build/push steps as a build validates them: nothing runs. <c>run_shell_script</c> and <c>git_commit</c> check
/// their inputs and yield <see cref="DeploymentValidator.Placeholder"/> outputs (a script may have side effects, and
/// <c>git status</c> may rewrite the index); the image steps only plan in any case, so they are the real ones.
/// </summary>
public static class ValidationSteps
{
    /// <summary>The registry the validator plans with.</summary>
    public static StepRegistry Registry { get; } = new([new PlaceholderShellStep(), new PlaceholderGitStep(), new BuildDockerImageStep(), new PushDockerImageStep()]);

    private sealed class PlaceholderShellStep : IDeploymentStep
    {
        public string Name => RunShellScriptStep.StepName;

        public Task<JsonObject> RunAsync(StepInvocation invocation, CancellationToken cancellationToken = default)
        {
            StepInputs.String(invocation.Inputs, Name, "script", required: true);
            StepInputs.Bool(invocation.Inputs, Name, "expand_env_vars", false);
            StepInputs.String(invocation.Inputs, Name, "directory");
            if (invocation.Inputs["env"] is not (null or JsonObject))
            {
                throw StepInputs.Invalid(Name, "'env' must be a mapping of names to values", "Write env as 'NAME: value' lines");
            }

            return Task.FromResult(new JsonObject { ["stdout"] = DeploymentValidator.Placeholder, ["stderr"] = "" });
        }
    }

    private sealed class PlaceholderGitStep : IDeploymentStep
    {
        public string Name => GitCommitStep.StepName;

        public Task<JsonObject> RunAsync(StepInvocation invocation, CancellationToken cancellationToken = default)
        {
            StepInputs.String(invocation.Inputs, Name, "directory");
            return Task.FromResult(new JsonObject
            {
                ["sha"] = new string('0', 40),
                ["short_sha"] = "0000000",
                ["branch"] = DeploymentValidator.Placeholder,
                ["dirty"] = false,
            });
        }
    }
}
