using Flows.Deployed;

namespace Flows;

/// <summary>
/// Recognises the argument lists with which a worker starts a flows app as the runner of a flow run. Ours start
/// the image with no arguments and <c>PREFECT__FLOW_RUN_ID</c> set. Prefect's own workers, when a deployment leaves
/// the job variable <c>command</c> empty, fill in their default command, which reaches our app (the image's
/// entrypoint) as arguments: Prefect 3 <c>prefect flow-run execute [ID]</c>
/// (<c>BaseJobConfiguration._base_flow_run_command</c>; the Kubernetes template puts it in the container's
/// <c>args</c>, the Docker worker in its <c>Cmd</c>), Prefect 2 <c>python -m prefect.engine</c>. Any other argument
/// list is a local run and keeps its own errors.
/// </summary>
internal static class RunnerCommand
{
    /// <summary>Whether <paramref name="args"/> asks for the runner.</summary>
    /// <param name="args">The app's arguments.</param>
    /// <param name="environmentFlowRunId">The value of <c>PREFECT__FLOW_RUN_ID</c>, if set.</param>
    /// <param name="flowRunId">The run to execute: the explicit argument of <c>prefect flow-run execute ID</c>
    /// (Prefect's CLI prefers it to the environment), else the environment's; null when neither gives one.</param>
    public static bool IsRunner(IReadOnlyList<string> args, string? environmentFlowRunId, out string? flowRunId)
    {
        var fromEnvironment = string.IsNullOrEmpty(environmentFlowRunId) ? null : environmentFlowRunId;
        switch (args)
        {
            case []:
                flowRunId = fromEnvironment;
                return fromEnvironment is not null;
            case ["prefect", "flow-run", "execute"]:
            case ["python", "-m", "prefect.engine"]:
                flowRunId = fromEnvironment;
                return true;
            case ["prefect", "flow-run", "execute", var id]:
                flowRunId = id;
                return true;
            default:
                flowRunId = null;
                return false;
        }
    }

    /// <summary>The error for a runner command that names no flow run.</summary>
    public static string MissingFlowRunId(IReadOnlyList<string> args) =>
        $"FLOWS2209: '{string.Join(' ', args)}' runs a flow run, but none was given. Fix: set {DeployedRunner.FlowRunIdVariable} (as Prefect's workers do) or pass the id: prefect flow-run execute <FLOW_RUN_ID>.";
}
