namespace Flows.Deploy.Steps;

/// <summary>The names prefect.yaml steps are written with (Prefect's own, and the modules that define them), in one place.</summary>
public static class StepNames
{
    public const string RunShellScript = RunShellScriptStep.StepName;
    public const string RunShellScriptModule = "prefect.deployments.steps.utility.run_shell_script";
    public const string GitCommit = "flows.deployments.steps.git_commit";
    public const string BuildDockerImage = "prefect_docker.deployments.steps.build_docker_image";
    public const string PushDockerImage = "prefect_docker.deployments.steps.push_docker_image";
    public const string SetWorkingDirectory = "prefect.deployments.steps.set_working_directory";
    public const string SetWorkingDirectoryModule = "prefect.deployments.steps.pull.set_working_directory";
    public const string GitClone = "prefect.deployments.steps.git_clone";
    public const string GitCloneModule = "prefect.deployments.steps.pull.git_clone";
}
