using Flows.Deploy.Diagnostics;
using Flows.Deploy.Publishing;
using Microsoft.Build.Framework;

namespace Flows.Build;

/// <summary>After the SDK built the image archive: hand it to the engine with the plan <see cref="PreparePublish"/>
/// checked, which pushes it, pins the deployments to its digest, writes image.json and deployments.json, and registers.</summary>
public sealed class CompletePublish : PublishTaskBase
{
    /// <summary><c>$(GeneratedArchiveOutputPath)</c>.</summary>
    public string? ArchivePath { get; set; }

    /// <summary><c>$(GeneratedContainerDigest)</c>.</summary>
    public string? GeneratedDigest { get; set; }

    [Output]
    public string ImageReference { get; private set; } = "";

    [Output]
    public string Digest { get; private set; } = "";

    protected override async System.Threading.Tasks.Task ExecuteAsync(Microsoft.Extensions.Logging.ILogger logger, CancellationToken cancellationToken)
    {
        if (BuildEngine4.GetRegisteredTaskObject(PreparedKey, RegisteredTaskObjectLifetime.Build) is not ProjectPublish.Prepared prepared)
        {
            throw new DeployException([new DeployDiagnostic(PublishDiagnosticCodes.NotPrepared, true, $"FlowsCompletePublish ran without FlowsPreparePublish for {ProjectFile} in this build",
                "Run the FlowsDeploy target (dotnet publish -p:DeployFlows=true), which runs both in order.")], badInput: false);
        }

        var outcome = await ProjectPublish.CompleteAsync(prepared, Request(), NullIfEmpty(ArchivePath), NullIfEmpty(GeneratedDigest), logger, cancellationToken).ConfigureAwait(false);
        var image = outcome.Images[0];
        ImageReference = image.Reference;
        Digest = image.Digest;
        foreach (var (deployment, id) in outcome.Plan.Deployments.Zip(outcome.DeploymentIds))
        {
            Log.LogMessage(MessageImportance.High, $"Flows: registered {deployment.FullName} ({id}) with image {ImageReference}");
        }

        Log.LogMessage(MessageImportance.High, $"Flows: {outcome.DeploymentIds.Count} deployment(s) registered with image {ImageReference} ({outcome.DeploymentsJsonPath})");
    }
}
