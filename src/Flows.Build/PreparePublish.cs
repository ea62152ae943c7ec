using Flows.Deploy.Publishing;
using Microsoft.Build.Framework;

namespace Flows.Build;

/// <summary>Before the image is built: commit tag, destination, every deployment planned and validated (work pools on the
/// server), and whether the registry already has the tag. Outputs feed the SDK's PublishContainer; the checked plan is
/// kept for <see cref="CompletePublish"/> (planned once: the build steps do not run again).</summary>
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

    /// <summary>Set when the registry already has the tag: the build and push are skipped and this digest is reused.</summary>
    [Output]
    public string ExistingDigest { get; private set; } = "";

    /// <summary>Where the deployments' pull step expects the app inside the image (empty: the SDK's default, /app).</summary>
    [Output]
    public string WorkingDirectory { get; private set; } = "";

    protected override async System.Threading.Tasks.Task ExecuteAsync(Microsoft.Extensions.Logging.ILogger logger, CancellationToken cancellationToken)
    {
        var prepared = await ProjectPublish.PrepareAsync(Request(), logger, cancellationToken).ConfigureAwait(false);
        foreach (var warning in prepared.Warnings)
        {
            Report(warning);
        }

        var image = prepared.Image;
        Registry = image.Name.Registry;
        Repository = image.Name.Repository;
        Tags = string.Join(";", image.Tags);
        Tag = image.Image.Tag;
        ExistingDigest = image.ExistingDigest ?? "";
        WorkingDirectory = image.Request.WorkingDirectory ?? "";
        BuildEngine4.RegisterTaskObject(PreparedKey, prepared, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
        Log.LogMessage(MessageImportance.High, $"Flows: image {image.Name.Reference(Tag)}");
    }
}
