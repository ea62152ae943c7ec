using Flows.Deploy.Publishing;
using Microsoft.Build.Framework;

namespace Flows.Build;

/// <summary>Before the image is built: commit tag, destination, every deployment validated (work pools on the server),
/// and whether the registry already has the tag. Outputs feed the SDK's PublishContainer.</summary>
public sealed class PreparePublish : PublishTaskBase
{
    [Output]
    public string Registry { get; private set; } = "";

    [Output]
    public string Repository { get; private set; } = "";

    /// <summary>The commit tag first, then the extra tags; ';'-separated.</summary>
    [Output]
    public string Tags { get; private set; } = "";

    [Output]
    public string Tag { get; private set; } = "";

    [Output]
    public string Sha { get; private set; } = "";

    [Output]
    public bool Dirty { get; private set; }

    [Output]
    public string ShaSource { get; private set; } = "";

    /// <summary>Set when the registry already has the tag: the build and push are skipped and this digest is reused.</summary>
    [Output]
    public string ExistingDigest { get; private set; } = "";

    /// <summary>Where the deployments' pull step expects the app inside the image (empty: the SDK's default, /app).</summary>
    [Output]
    public string WorkingDirectory { get; private set; } = "";

    protected override async System.Threading.Tasks.Task ExecuteAsync(Microsoft.Extensions.Logging.ILogger logger, CancellationToken cancellationToken)
    {
        var preparation = await new PublishEngine(logger).PrepareAsync(Request(), cancellationToken).ConfigureAwait(false);
        foreach (var warning in preparation.Warnings)
        {
            Report(warning);
        }

        Registry = preparation.Image.Registry;
        Repository = preparation.Image.Repository;
        Tags = string.Join(";", preparation.Tags);
        Tag = preparation.Tag.Tag;
        Sha = preparation.Tag.Sha;
        Dirty = preparation.Tag.Dirty;
        ShaSource = preparation.Tag.Source;
        ExistingDigest = preparation.ExistingDigest ?? "";
        WorkingDirectory = preparation.WorkingDirectory ?? "";
        Log.LogMessage(MessageImportance.High, $"Flows: image {preparation.Image.Reference(Tag)}{(ExistingDigest.Length > 0 ? " exists (" + ExistingDigest + "); not rebuilt" : "")}");
    }
}
