using System.Text.Json.Nodes;
using Flows.Deploy.Git;

namespace Flows.Deploy.Steps;

/// <summary>
/// <c>flows.deployments.steps.git_commit</c>: the commit being deployed, without a shell. Outputs <c>sha</c>,
/// <c>short_sha</c> (7 digits), <c>branch</c> (null when detached) and <c>dirty</c> (null when git is not installed:
/// HEAD is read from the files, but the dirty check needs git's index logic). Input: optional <c>directory</c>.
/// </summary>
public sealed class GitCommitStep : IDeploymentStep
{
    public const string StepName = StepNames.GitCommit;

    public string Name => StepName;

    public async Task<JsonObject> RunAsync(StepInvocation invocation, CancellationToken cancellationToken = default)
    {
        var directory = StepInputs.String(invocation.Inputs, StepName, "directory");
        directory = directory is null ? invocation.ProjectDirectory : Path.GetFullPath(directory, invocation.ProjectDirectory);
        var head = GitRepository.ReadHead(directory);
        var dirty = await GitRepository.IsDirtyAsync(directory, cancellationToken).ConfigureAwait(false);
        if (dirty is null)
        {
            invocation.Recorder.Warn($"step '{StepName}': git is not installed, so 'dirty' is unknown (null)");
        }

        return new JsonObject
        {
            ["sha"] = head.Sha,
            ["short_sha"] = head.ShortSha,
            ["branch"] = head.Branch,
            ["dirty"] = dirty,
        };
    }
}
