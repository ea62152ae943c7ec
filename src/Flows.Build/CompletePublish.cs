using Flows.Deploy.Publishing;
using Microsoft.Build.Framework;

namespace Flows.Build;

/// <summary>After the SDK built the image archive: push it, pin the deployments to its digest, write image.json and
/// deployments.json, register.</summary>
public sealed class CompletePublish : PublishTaskBase
{
    [Required]
    public string Registry { get; set; } = "";

    [Required]
    public string Repository { get; set; } = "";

    [Required]
    public string Tags { get; set; } = "";

    [Required]
    public string Tag { get; set; } = "";

    [Required]
    public string Sha { get; set; } = "";

    public bool Dirty { get; set; }

    public string? ShaSource { get; set; }

    public string? ExistingDigest { get; set; }

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
        var preparation = new PublishPreparation(new ImageName(Registry, Repository), new ImageTag(Tag, Sha, Dirty, ShaSource ?? "git"), Split(Tags), NullIfEmpty(ExistingDigest), []);
        var outcome = await new PublishEngine(logger).CompleteAsync(Request(), preparation, NullIfEmpty(ArchivePath), NullIfEmpty(GeneratedDigest), cancellationToken).ConfigureAwait(false);
        ImageReference = outcome.ImageReference;
        Digest = outcome.Digest;
        Log.LogMessage(MessageImportance.High, $"Flows: {outcome.DeploymentIds.Count} deployment(s) registered with image {outcome.ImageReference} ({outcome.DeploymentsJsonPath})");
    }
}
