using Flows.Deploy.Diagnostics;
using Flows.Deploy.Planning;
using Flows.Deploy.Publishing;
using Flows.Deploy.Steps;
using Microsoft.Extensions.Logging;

namespace Flows.Deploy.Building;

/// <summary>A plan and, per image, where its step ran (what <see cref="DeploymentPublisher.BuildAsync"/> needs).</summary>
public sealed record PreparedDeploy(DeployRequest Request, DeploymentPlan Plan, IReadOnlyDictionary<PlannedImage, (string Directory, string? ProjectFile)> ImageSources);

/// <summary>
/// <c>flows-deploy deploy</c> with image steps, in the order that keeps a deploy all-or-nothing: plan (every deployment
/// validated) → check every image can be built and pushed (names, builders) → build and push each distinct image once →
/// re-plan with the images pinned by digest. Registering the pinned plan is the caller's last step.
/// </summary>
public sealed class DeploymentPublisher(ILogger logger, IReadOnlyList<IImageBuilder> builders, IWorkPoolLookup? workPools = null)
{
    public async Task<PreparedDeploy> PlanAsync(DeployRequest request, CancellationToken cancellationToken = default)
    {
        var capture = new ImageStepCapture();
        var plan = await new DeploymentPlanner(Steps(capture), workPools).PlanAsync(request, cancellationToken).ConfigureAwait(false);
        return new PreparedDeploy(request, plan, capture.Sources);
    }

    /// <summary>Builds and pushes every image of the plan; nothing is built until every image passed the checks.</summary>
    public async Task<IReadOnlyList<BuiltImage>> BuildAsync(PreparedDeploy prepared, RegistryAccessOptions access, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var environment = prepared.Request.Environment;
        var workingDirectory = PublishEngine.PulledWorkingDirectory(prepared.Plan);
        var work = new List<(ImageBuildRequest Request, IImageBuilder Builder)>();
        var problems = new List<DeployDiagnostic>();
        foreach (var image in prepared.Plan.Images)
        {
            if (ImageName.TryParse(image.ImageName, out var problem) is null)
            {
                problems.Add(new DeployDiagnostic(PublishDiagnosticCodes.ImageNameInvalid, true, $"image {problem}",
                    "Write image_name as registry-host[:port]/repository (e.g. 123456789012.dkr.ecr.us-east-2.amazonaws.com/flows or localhost:5000/hello)."));
                continue;
            }

            var (directory, projectFile) = prepared.ImageSources.TryGetValue(image, out var source) ? source : (Directory.GetCurrentDirectory(), null);
            var request = new ImageBuildRequest(image, directory, projectFile, Tags(image), environment, access, progress, workingDirectory);
            if (builders.FirstOrDefault(b => b.Builds(request)) is not { } builder)
            {
                problems.Add(new DeployDiagnostic(BuildDiagnosticCodes.NoBuilder, true, $"nothing here builds image {image.Reference} (dockerfile: {image.Dockerfile})",
                    "Use dockerfile: auto (the .NET SDK's container build) or a Dockerfile path."));
                continue;
            }

            work.Add((request, builder));
        }

        if (problems.Count > 0)
        {
            throw new DeployException(problems);
        }

        logger.LogInformation("Building and pushing {Count} image(s) for {Deployments} deployment(s)", work.Count, prepared.Plan.Deployments.Count);
        var built = new List<BuiltImage>();
        foreach (var (request, builder) in work)
        {
            try
            {
                built.Add(await builder.BuildAndPushAsync(request, cancellationToken).ConfigureAwait(false));
            }
            catch (DeployException e) when (built.Count > 0)
            {
                throw new DeployException([.. e.Diagnostics, LeftBehind(built)], e.BadInput);
            }
        }

        return built;
    }

    /// <summary>The plan again, with every image step's <c>image</c> pinned to the pushed digest.</summary>
    public async Task<DeploymentPlan> PinAsync(PreparedDeploy prepared, IReadOnlyList<BuiltImage> built, CancellationToken cancellationToken = default)
    {
        var byReference = built.ToDictionary(b => $"{b.ImageName}:{b.Tag}", StringComparer.Ordinal);
        try
        {
            return await new DeploymentPlanner(Steps(new PinnedImageStep(byReference)), workPools).PlanAsync(prepared.Request, cancellationToken).ConfigureAwait(false);
        }
        catch (DeployException e)
        {
            throw new DeployException([.. e.Diagnostics, LeftBehind(built)], badInput: false);
        }
    }

    /// <summary>Says what a failure after a push left in the registry (nothing is registered by then).</summary>
    public static DeployDiagnostic LeftBehind(IReadOnlyList<BuiltImage> built) =>
        new(PublishDiagnosticCodes.RegistrationFailed, true,
            $"nothing was registered; pushed and left in the registry: {string.Join(", ", built.Select(b => b.Reference))}",
            "Fix the problem above and deploy again (a commit-tagged image is reused, not rebuilt).");

    private static IReadOnlyList<string> Tags(PlannedImage image) => [image.Tag, .. (image.AdditionalTags ?? []).Where(t => t != image.Tag).Distinct(StringComparer.Ordinal)];

    private static StepRegistry Steps(IDeploymentStep imageStep) =>
        new([new RunShellScriptStep(), new GitCommitStep(), imageStep, new PushDockerImageStep()]);
}
