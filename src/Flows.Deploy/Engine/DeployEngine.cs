using System.Text.Json;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.ImageSources;
using Flows.Deploy.Planning;
using Flows.Deploy.Publishing;
using Flows.Deploy.Registration;
using Flows.Deploy.Steps;
using Microsoft.Extensions.Logging;

namespace Flows.Deploy.Engine;

/// <summary>
/// The one deploy pipeline, behind <c>dotnet publish -p:DeployFlows=true</c> (Flows.Build), <c>flows-deploy deploy</c> and
/// <c>flows-deploy dev</c>, in the order that keeps a deploy all-or-nothing:
/// <see cref="PlanAsync"/> plans once (every deployment validated, build steps run once) →
/// <see cref="CheckAsync"/> checks every image name, tag and source, and asks the registry for tags it may reuse →
/// <see cref="PublishAsync"/> obtains each distinct image once from its <see cref="IImageSource"/>, pushes it, pins the
/// digests into the plan it has, writes image.json/deployments.json, and registers (all-or-nothing by compensation).
/// The callers only translate their inputs into a <see cref="DeployRequest"/> and <see cref="DeployOptions"/> and report.
/// </summary>
public sealed class DeployEngine(ILogger logger, IWorkPoolLookup? workPools = null)
{
    /// <summary>Plans every selected deployment; nothing is built, pushed or registered.</summary>
    public Task<DeploymentPlan> PlanAsync(DeployRequest request, CancellationToken cancellationToken = default) =>
        new DeploymentPlanner(workPools: workPools).PlanAsync(request, cancellationToken);

    /// <summary>Checks every image before any is made; throws with all the problems at once.</summary>
    public async Task<CheckedDeploy> CheckAsync(DeployRequest request, DeploymentPlan plan, IReadOnlyList<IImageSource> sources, DeployOptions options, CancellationToken cancellationToken = default)
    {
        var workingDirectory = PulledWorkingDirectory(plan);
        var problems = new List<DeployDiagnostic>();
        var images = new List<CheckedImage>();
        foreach (var image in plan.Images)
        {
            if (ImageName.TryParse(image.ImageName, out var problem) is not { } name)
            {
                problems.Add(new DeployDiagnostic(PublishDiagnosticCodes.ImageNameInvalid, true, $"image {problem}",
                    "Write image_name as registry-host[:port]/repository (e.g. 123456789012.dkr.ecr.us-east-2.amazonaws.com/flows or localhost:5000/hello)."));
                continue;
            }

            var tags = Tags(image, options.ExtraTags, problems);
            if (sources.FirstOrDefault(s => s.Takes(image)) is not { } source)
            {
                problems.Add(new DeployDiagnostic(BuildDiagnosticCodes.NoBuilder, true, $"nothing here builds image {image.Reference} (dockerfile: {image.Dockerfile})",
                    "Use dockerfile: auto (the .NET SDK's container build) or a Dockerfile path."));
                continue;
            }

            var context = image.Context ?? new ImageContext(Directory.GetCurrentDirectory(), null);
            var build = new ImageBuildRequest(image, context.Directory, context.ProjectFile, tags, request.Environment, options.Access, options.Progress, workingDirectory);
            images.Add(new CheckedImage(image, name, tags, build, source, null));
        }

        if (problems.Count > 0)
        {
            throw new DeployException(problems);
        }

        for (var i = 0; i < images.Count; i++)
        {
            var image = images[i];
            if (!await FixedContentTag.IsFixedAsync(image.Image.Tag, options.Commit, image.Request.ContextDirectory, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            var existing = await RegistryCallAsync(async () =>
            {
                using var registry = OciRegistryClient.Create(image.Name.Registry, request.Environment, logger, out _, options.Access);
                return await registry.HeadManifestAsync(image.Name.Repository, image.Image.Tag, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
            if (existing is not null)
            {
                logger.LogInformation("{Image} already exists as {Digest}: it is not built or pushed again", image.Name.Reference(image.Image.Tag), existing);
                images[i] = image with { ExistingDigest = existing };
            }
        }

        return new CheckedDeploy(request, plan, images, options);
    }

    /// <summary>Makes and pushes each image (or reuses it), pins the plan, writes the files, registers with
    /// <paramref name="registrar"/> (null: the caller registers nothing, e.g. a test of the images alone).</summary>
    public async Task<DeployOutcome> PublishAsync(CheckedDeploy deploy, IDeploymentRegistrar? registrar, CancellationToken cancellationToken = default)
    {
        var made = deploy.Images.Count(i => i.ExistingDigest is null);
        if (made > 0)
        {
            logger.LogInformation("Building and pushing {Count} image(s) for {Deployments} deployment(s)", made, deploy.Plan.Deployments.Count);
        }

        var built = new List<BuiltImage>();
        foreach (var image in deploy.Images)
        {
            try
            {
                built.Add(await ObtainAndPushAsync(image, deploy, cancellationToken).ConfigureAwait(false));
            }
            catch (DeployException e)
            {
                throw LeftInRegistry(e.Diagnostics, built, e.BadInput);
            }
        }

        var plan = ImagePinning.Pin(deploy.Plan, built);
        var (imageJson, deploymentsJson) = deploy.Options.OutputDirectory is { } directory
            ? await PublishedFiles.WriteAsync(directory, plan, deploy.Images, built, deploy.Options.Commit, cancellationToken).ConfigureAwait(false)
            : (null, null);

        IReadOnlyList<Guid> ids = [];
        if (registrar is not null)
        {
            try
            {
                ids = await registrar.RegisterAsync(plan, cancellationToken).ConfigureAwait(false);
            }
            catch (DeploymentRegistrationException e)
            {
                // Already undone (new deployments deleted, replaced ones restored): say what failed and what was undone.
                throw LeftInRegistry([new DeployDiagnostic(PublishDiagnosticCodes.RegistrationFailed, true, e.Message, "Fix the server-side problem and deploy again.")], built, badInput: false);
            }
        }

        return new DeployOutcome(plan, built, ids, imageJson, deploymentsJson);
    }

    private async Task<BuiltImage> ObtainAndPushAsync(CheckedImage image, CheckedDeploy deploy, CancellationToken cancellationToken)
    {
        var tag = image.Image.Tag;
        if (image.ExistingDigest is { } existing)
        {
            return new BuiltImage(image.Name.ToString(), tag, existing, null, Skipped: true, BlobsUploaded: 0);
        }

        var obtained = await image.Source.ObtainAsync(image.Request, cancellationToken).ConfigureAwait(false);
        switch (obtained)
        {
            case ArchivedImage { Archive: var archive }:
                return await RegistryCallAsync(async () =>
                {
                    using var registry = OciRegistryClient.Create(image.Name.Registry, deploy.Request.Environment, logger, out var retries, deploy.Options.Access);
                    var push = await new ImagePusher(registry, logger).PushAsync(archive, image.Name.Repository, image.Tags, cancellationToken).ConfigureAwait(false);
                    var pushed = new BuiltImage(image.Name.ToString(), tag, push.Digest, archive.ConfigDigest, Skipped: false, push.BlobsUploaded);
                    logger.LogInformation("Pushed {Image} ({Uploaded} blob(s) uploaded, {Present} already present, {Retries} retried call(s))",
                        pushed.Reference, push.BlobsUploaded, push.BlobsPresent, retries.Retries);
                    return pushed;
                }).ConfigureAwait(false);
            case EnginePushedImage { Image: var pushed }:
                logger.LogInformation("Pushed {Image} ({Uploaded} layer(s) uploaded by the Docker Engine)", pushed.Reference, pushed.BlobsUploaded);
                return pushed;
            default:
                throw new InvalidOperationException($"unknown image kind {obtained.GetType().Name}");
        }
    }

    /// <summary>Registry failures as the engine reports every failure: a coded diagnostic with its fix.</summary>
    private static async Task<T> RegistryCallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RegistryException e)
        {
            throw new DeployException([new DeployDiagnostic(e.Code, true, e.Message, e.Fix)], badInput: false);
        }
    }

    /// <summary>The one message for a failure after something was pushed: nothing is registered, and what stays in the registry.</summary>
    private static DeployException LeftInRegistry(IReadOnlyList<DeployDiagnostic> diagnostics, IReadOnlyList<BuiltImage> built, bool badInput)
    {
        var pushed = built.Where(b => !b.Skipped).Select(b => b.Reference).ToList();
        return pushed.Count == 0
            ? new DeployException(diagnostics, badInput)
            : new DeployException([.. diagnostics, new DeployDiagnostic(PublishDiagnosticCodes.RegistrationFailed, true,
                $"nothing was registered; pushed and left in the registry: {string.Join(", ", pushed)}",
                "Fix the problem above and deploy again (an image tagged with a clean commit is reused, not rebuilt).")], badInput: false);
    }

    /// <summary>Each image's tag first, then its step's <c>additional_tags</c> and the caller's extra tags, each once.</summary>
    private static List<string> Tags(PlannedImage image, IReadOnlyList<string> extra, List<DeployDiagnostic> problems)
    {
        var tags = new List<string> { image.Tag };
        foreach (var tag in (image.AdditionalTags ?? []).Concat(extra).Where(t => t.Length > 0))
        {
            if (!BuildDockerImageStep.IsValidTag(tag))
            {
                problems.Add(new DeployDiagnostic(PublishDiagnosticCodes.TagInvalid, true, $"extra tag '{tag}' is not a valid image tag",
                    "Use letters, digits, '_', '.' and '-' (at most 128; not starting with '.' or '-') in FlowsContainerExtraTags."));
            }
            else if (!tags.Contains(tag))
            {
                tags.Add(tag);
            }
        }

        return tags;
    }

    /// <summary>
    /// The directory the deployments' pull steps move into (the seed's <c>set_working_directory: /opt/prefect/flows</c>):
    /// the image puts the app there, as Prefect's <c>dockerfile: auto</c> image does, so the runner's pull step finds the
    /// code. Null when the pull steps name no single directory.
    /// </summary>
    public static string? PulledWorkingDirectory(DeploymentPlan plan)
    {
        var directories = new HashSet<string>(StringComparer.Ordinal);
        foreach (var deployment in plan.Deployments)
        {
            if (deployment.Body.PullSteps is not { ValueKind: JsonValueKind.Array } steps)
            {
                continue;
            }

            foreach (var step in steps.EnumerateArray())
            {
                if (step.ValueKind == JsonValueKind.Object &&
                    (step.TryGetProperty(StepNames.SetWorkingDirectory, out var args) || step.TryGetProperty(StepNames.SetWorkingDirectoryModule, out args)) &&
                    args.ValueKind == JsonValueKind.Object && args.TryGetProperty("directory", out var d) && d.GetString() is { Length: > 0 } directory && directory.StartsWith('/'))
                {
                    directories.Add(directory);
                }
            }
        }

        return directories.Count == 1 ? directories.Single() : null;
    }
}
