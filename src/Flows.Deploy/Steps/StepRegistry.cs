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
        Alias(StepNames.RunShellScriptModule, StepNames.RunShellScript);
    }

    /// <summary>The steps this project ships.</summary>
    public static StepRegistry Default { get; } = For(null);

    /// <summary>The steps this project ships, the image step sending the image to <paramref name="destination"/> when set.</summary>
    public static StepRegistry For(ImageDestination? destination) =>
        new([new RunShellScriptStep(), new GitCommitStep(), new BuildDockerImageStep(destination), new PushDockerImageStep()]);

    /// <summary>Pull steps the worker understands; <c>set_working_directory</c> is recorded, never executed at deploy.</summary>
    public static IReadOnlySet<string> KnownPullSteps { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        StepNames.SetWorkingDirectory,
        StepNames.SetWorkingDirectoryModule,
        StepNames.GitClone,
        StepNames.GitCloneModule,
        StepNames.RunShellScript,
        StepNames.RunShellScriptModule,
    };

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
