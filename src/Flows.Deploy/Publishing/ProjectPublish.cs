using Flows.Api.Client;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Engine;
using Flows.Deploy.Git;
using Flows.Deploy.ImageSources;
using Flows.Deploy.Planning;
using Flows.Deploy.Registration;
using Flows.Deploy.Steps;
using Microsoft.Extensions.Logging;

namespace Flows.Deploy.Publishing;

/// <summary>
/// <c>dotnet publish -p:DeployFlows=true</c> as a caller of <see cref="DeployEngine"/>: one project, one image, tagged with
/// the commit. <see cref="PrepareAsync"/> (task FlowsPreparePublish) resolves the commit tag and destination, plans once
/// and checks the image (and whether the registry already has the tag); the SDK's PublishContainer then writes the archive
/// unless it does; <see cref="CompleteAsync"/> (task FlowsCompletePublish) hands the archive to the engine, which pushes,
/// pins the plan it already has, writes image.json and deployments.json, and registers.
/// </summary>
public static class ProjectPublish
{
    /// <summary>What the first task hands the second (through MSBuild's registered task objects): the checked plan, the
    /// archive source the SDK's archive is handed to, and the warnings to report.</summary>
    public sealed record Prepared(CheckedDeploy Deploy, SdkArchiveImageSource Archive, IReadOnlyList<DeployDiagnostic> Warnings)
    {
        /// <summary>The project's image.</summary>
        public CheckedImage Image => Deploy.Images[0];
    }

    public static async Task<Prepared> PrepareAsync(PublishRequest request, ILogger logger, CancellationToken cancellationToken = default)
    {
        var warnings = new List<DeployDiagnostic>();
        var projectDirectory = Path.GetDirectoryName(Path.GetFullPath(request.ProjectFile))!;
        var dirty = IsSha(request.SourceRevisionId) ? await GitRepository.IsDirtyAsync(projectDirectory, cancellationToken).ConfigureAwait(false) : null;
        var tag = ImageTagResolver.Resolve(request.SourceRevisionId, dirty, request.RequireCleanTree, request.Environment, warnings);
        var destination = Destination(request);
        using var client = await ConnectAsync(request, cancellationToken).ConfigureAwait(false);
        var name = destination?.ToString();
        var deploy = new DeployRequest
        {
            Project = request.ProjectFile,
            PrefectFile = request.PrefectFile,
            ManifestAssembly = request.ManifestAssembly,
            All = true,
            Pool = request.WorkPool,
            // {{ $PREFECT_IMAGE_NAME }} in the file follows the MSBuild destination when one is set.
            Environment = name is null ? request.Environment : v => v == "PREFECT_IMAGE_NAME" ? name : request.Environment(v),
            ImageDestination = new ImageDestination(tag.Tag, name),
        };

        var engine = new DeployEngine(logger, new PrefectWorkPoolLookup(client));
        var plan = await engine.PlanAsync(deploy, cancellationToken).ConfigureAwait(false);
        plan = plan with { Images = [ProjectImage(plan, destination, deploy, tag)] };
        var archive = new SdkArchiveImageSource();
        var options = new DeployOptions
        {
            Access = new RegistryAccessOptions { CreateRepository = request.CreateRepository },
            ExtraTags = request.ExtraTags,
            Commit = tag,
            OutputDirectory = request.OutputDirectory,
        };
        var checkedDeploy = await engine.CheckAsync(deploy, plan, [archive], options, cancellationToken).ConfigureAwait(false);
        return new Prepared(checkedDeploy, archive, [.. warnings, .. plan.Warnings]);
    }

    /// <summary>archivePath: the SDK's OCI archive (unused when the registry already had the tag); generatedDigest:
    /// <c>$(GeneratedContainerDigest)</c>, which the archive must confirm.</summary>
    public static async Task<DeployOutcome> CompleteAsync(Prepared prepared, PublishRequest request, string? archivePath, string? generatedDigest, ILogger logger, CancellationToken cancellationToken = default)
    {
        prepared.Archive.HandOver(archivePath, generatedDigest);
        using var client = await ConnectAsync(request, cancellationToken).ConfigureAwait(false);
        return await new DeployEngine(logger).PublishAsync(prepared.Deploy, new PrefectDeploymentRegistrar(client), cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>PREFECT_API_URL</c>, else a server answering at <see cref="LocalServer.ApiUrl"/>; the server cannot be
    /// embedded here (MSBuild's task host has no ASP.NET Core), so without either it is FLOWS3520 before anything runs.</summary>
    private static async Task<PrefectClient> ConnectAsync(PublishRequest request, CancellationToken cancellationToken) =>
        PrefectClientOptions.FromEnvironment(request.Environment) is { } options ? new PrefectClient(options)
        : await LocalServer.AnswersAsync(cancellationToken).ConfigureAwait(false) ? new PrefectClient(LocalServer.Options)
        : throw new DeployException([new DeployDiagnostic(PublishDiagnosticCodes.NoServer, true, $"no server to register the deployments with: PREFECT_API_URL is not set and nothing answers at {LocalServer.ApiUrl}",
            "Set PREFECT_API_URL (e.g. http://127.0.0.1:4200/api, or start one with 'flows-deploy server start') and PREFECT_API_KEY if it needs one.")]);

    /// <summary>FlowsContainerRegistry + FlowsContainerRepository: both or neither.</summary>
    private static ImageName? Destination(PublishRequest request)
    {
        if (request.Registry is null && request.Repository is null)
        {
            return null;
        }

        if (request.Registry is null || request.Repository is null)
        {
            throw new DeployException([new DeployDiagnostic(PublishDiagnosticCodes.NoImageName, true, "FlowsContainerRegistry and FlowsContainerRepository must be set together",
                "Set both (e.g. localhost:5000 and hello), or neither to use the image step's image_name.")]);
        }

        return ImageName.TryParse($"{request.Registry}/{request.Repository}", out var problem)
            ?? throw new DeployException([new DeployDiagnostic(PublishDiagnosticCodes.ImageNameInvalid, true, problem!, "Set FlowsContainerRegistry to host[:port] and FlowsContainerRepository to a lowercase path.")]);
    }

    /// <summary>The one image a project publishes: its image step's (tagged with the commit), else the destination or
    /// <c>PREFECT_IMAGE_NAME</c> for files without one.</summary>
    private static PlannedImage ProjectImage(DeploymentPlan plan, ImageName? destination, DeployRequest deploy, ImageTag tag)
    {
        var names = plan.Images.Select(i => i.ImageName).Distinct(StringComparer.Ordinal).ToList();
        if (names.Count > 1)
        {
            throw new DeployException([new DeployDiagnostic(PublishDiagnosticCodes.SeveralImages, true, $"the deployments name {names.Count} images ({string.Join(", ", names)}), but a project publishes one",
                "Use one build_docker_image step for the project, or deploy the others with flows-deploy.")]);
        }

        if (plan.Images.Count > 0)
        {
            return plan.Images[0];
        }

        var text = destination?.ToString() ?? deploy.Environment("PREFECT_IMAGE_NAME");
        if (string.IsNullOrEmpty(text))
        {
            throw new DeployException([new DeployDiagnostic(PublishDiagnosticCodes.NoImageName, true, "no image name: the deployments have no build_docker_image step and PREFECT_IMAGE_NAME is not set",
                "Add a build_docker_image step with image_name, set FlowsContainerRegistry and FlowsContainerRepository, or set PREFECT_IMAGE_NAME=registry/repository.")]);
        }

        return new PlannedImage(text, tag.Tag, "linux/amd64", Path.GetFileName(deploy.Project), PlannedImage.AutoDockerfile)
        {
            Context = new ImageContext(Path.GetDirectoryName(Path.GetFullPath(deploy.Project))!, Path.GetFullPath(deploy.Project)),
        };
    }

    private static bool IsSha(string? value) => value is { Length: >= 40 } && value.All(char.IsAsciiHexDigit);
}
