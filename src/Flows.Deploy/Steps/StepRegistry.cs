namespace Flows.Deploy.Steps;

/// <summary>The build/push step implementations by name (Prefect's module aliases included). Pull steps are not run at
/// deploy time: they are sent to the server and run by the worker, so only their shape is checked.</summary>
public sealed class StepRegistry
{
    private readonly Dictionary<string, IDeploymentStep> _steps = new(StringComparer.Ordinal);

    public StepRegistry(IEnumerable<IDeploymentStep> steps)
    {
        foreach (var step in steps)
        {
            _steps[step.Name] = step;
        }

        // Prefect also accepts the steps' defining modules.
        Alias("prefect.deployments.steps.utility.run_shell_script", RunShellScriptStep.StepName);
    }

    /// <summary>The steps this project ships.</summary>
    public static StepRegistry Default { get; } = new([new RunShellScriptStep(), new GitCommitStep(), new BuildDockerImageStep(), new PushDockerImageStep()]);

    /// <summary>Pull steps the worker understands; <c>set_working_directory</c> is recorded, never executed at deploy.</summary>
    public static IReadOnlySet<string> KnownPullSteps { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        SetWorkingDirectory,
        "prefect.deployments.steps.pull.set_working_directory",
        "prefect.deployments.steps.git_clone",
        "prefect.deployments.steps.pull.git_clone",
        RunShellScriptStep.StepName,
        "prefect.deployments.steps.utility.run_shell_script",
    };

    public const string SetWorkingDirectory = "prefect.deployments.steps.set_working_directory";

    public IEnumerable<string> Names => _steps.Keys;

    public IDeploymentStep? Find(string name) => _steps.GetValueOrDefault(name);

    private void Alias(string alias, string target)
    {
        if (alias != target && _steps.TryGetValue(target, out var step))
        {
            _steps[alias] = step;
        }
    }
}
