using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Api.Client;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Git;
using Flows.Deploy.Planning;
using Flows.Deploy.Registration;
using Microsoft.Extensions.Logging;

namespace Flows.Deploy.Publishing;

/// <summary>
/// The publish path in two phases around the SDK's image build, so that nothing is pushed before everything is valid:
/// <see cref="PrepareAsync"/> resolves the commit tag and destination, plans every deployment (templates, parameters,
/// work pools on the server) and asks the registry whether the tag exists; the caller then builds the image (SDK
/// <c>PublishContainer</c> to an OCI archive) unless it does; <see cref="CompleteAsync"/> pushes it (retrying 429/5xx),
/// re-plans with the image pinned by digest, writes image.json and deployments.json, and registers.
/// </summary>
public sealed class PublishEngine(ILogger logger, Func<IRegistryClient, ImagePusher>? pusherFactory = null)
{
    public async Task<PublishPreparation> PrepareAsync(PublishRequest request, CancellationToken cancellationToken = default)
    {
        var warnings = new List<DeployDiagnostic>();
        var dirty = IsSha(request.SourceRevisionId) ? await GitRepository.IsDirtyAsync(Path.GetDirectoryName(Path.GetFullPath(request.ProjectFile))!, cancellationToken).ConfigureAwait(false) : null;
        var tag = ImageTagResolver.Resolve(request.SourceRevisionId, dirty, request.RequireCleanTree, request.Environment, warnings);
        var overrideName = Override(request);
        var extra = request.ExtraTags.Where(t => t.Length > 0 && t != tag.Tag).Distinct(StringComparer.Ordinal).ToList();
        foreach (var t in extra.Where(t => !IsTag(t)))
        {
            throw new DeployException([new DeployDiagnostic(PublishDiagnosticCodes.TagInvalid, true, $"extra tag '{t}' is not a valid image tag",
                "Use letters, digits, '_', '.' and '-' (at most 128; not starting with '.' or '-') in FlowsContainerExtraTags.")]);
        }

        using var client = await CreateClientAsync(request, cancellationToken).ConfigureAwait(false);
        var plan = await PlanAsync(request, tag.Tag, overrideName, null, client, cancellationToken).ConfigureAwait(false);
        var image = ImageOf(plan, overrideName, request);
        using var registry = OciRegistryClient.Create(image.Registry, request.Environment, logger, out _, AccessOptions(request));
        // A '-dirty' tag names no fixed content (two different uncommitted states share it): always push it again.
        var existing = tag.Dirty ? null : await Pusher(registry).FindExistingAsync(image.Repository, tag.Tag, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            logger.LogInformation("{Image} already exists as {Digest}: the image is not built or pushed again", image.Reference(tag.Tag), existing);
        }

        return new PublishPreparation(image, tag, [tag.Tag, .. extra], existing, [.. warnings, .. plan.Warnings], PulledWorkingDirectory(plan));
    }

    /// <summary>archivePath: the SDK's OCI archive (unused when the registry already had the tag); generatedDigest:
    /// <c>$(GeneratedContainerDigest)</c>, the digest the SDK computed, which the archive and the registry must confirm.</summary>
    public async Task<PublishOutcome> CompleteAsync(PublishRequest request, PublishPreparation preparation, string? archivePath, string? generatedDigest, CancellationToken cancellationToken = default)
    {
        var image = preparation.Image;
        PushResult push;
        using (var registry = OciRegistryClient.Create(image.Registry, request.Environment, logger, out var retries, AccessOptions(request)))
        {
            if (preparation.ExistingDigest is { } existing)
            {
                push = new PushResult(existing, true, 0, 0, 0);
            }
            else
            {
                if (archivePath is null || !File.Exists(archivePath))
                {
                    throw new DeployException([new DeployDiagnostic(PublishDiagnosticCodes.ArchiveInvalid, true, $"the SDK wrote no image archive (expected '{archivePath}')",
                        "Check that PublishContainer ran (EnableSdkContainerSupport must not be false).")], badInput: false);
                }

                var archive = await OciArchive.ReadAsync(archivePath, cancellationToken).ConfigureAwait(false);
                if (generatedDigest is { Length: > 0 } && generatedDigest != archive.ManifestDigest)
                {
                    throw new DeployException([new DeployDiagnostic(PublishDiagnosticCodes.DigestMismatch, true,
                        $"the archive's manifest is {archive.ManifestDigest} but the SDK reported {generatedDigest}", "Delete the archive and publish again.")], badInput: false);
                }

                push = await Pusher(registry).PushAsync(archive, image.Repository, preparation.Tags, cancellationToken).ConfigureAwait(false);
                logger.LogInformation("Pushed {Image} ({Uploaded} blob(s) uploaded, {Present} already present, {Retries} retried call(s))",
                    image.Reference(preparation.Tag.Tag, push.Digest), push.BlobsUploaded, push.BlobsPresent, retries.Retries);
            }
        }

        var reference = image.Reference(preparation.Tag.Tag, push.Digest);
        Directory.CreateDirectory(request.OutputDirectory);
        var imageJson = Path.Combine(request.OutputDirectory, "image.json");
        await File.WriteAllTextAsync(imageJson, new JsonObject
        {
            ["image"] = reference,
            ["registry"] = image.Registry,
            ["repository"] = image.Repository,
            ["digest"] = push.Digest,
            ["tags"] = new JsonArray(preparation.Tags.Select(t => (JsonNode)t).ToArray()),
            ["git_sha"] = preparation.Tag.Sha,
            ["dirty"] = preparation.Tag.Dirty,
            ["sha_source"] = preparation.Tag.Source,
            ["pushed"] = !push.Skipped,
            ["blobs_uploaded"] = push.BlobsUploaded,
        }.ToJsonString(Indented), cancellationToken).ConfigureAwait(false);

        using var client = await CreateClientAsync(request, cancellationToken).ConfigureAwait(false);
        DeploymentPlan plan;
        try
        {
            plan = await PlanAsync(request, preparation.Tag.Tag, Override(request)?.ToString(), push.Digest, client, cancellationToken).ConfigureAwait(false);
        }
        catch (DeployException e)
        {
            throw LeftInRegistry(e.Diagnostics, reference);
        }

        var deploymentsJson = Path.Combine(request.OutputDirectory, "deployments.json");
        await File.WriteAllTextAsync(deploymentsJson, PlanJson.Write(plan), cancellationToken).ConfigureAwait(false);

        IReadOnlyList<Guid> ids;
        try
        {
            ids = await new PrefectDeploymentRegistrar(client!).RegisterAsync(plan, cancellationToken).ConfigureAwait(false);
        }
        catch (DeploymentRegistrationException e)
        {
            throw LeftInRegistry([new DeployDiagnostic(PublishDiagnosticCodes.RegistrationFailed, true,
                $"{client!.Options.ApiUrl}: {e.Message}", "Fix the server problem and publish again (the image is reused, not rebuilt).")], reference);
        }

        foreach (var (deployment, id) in plan.Deployments.Zip(ids))
        {
            logger.LogInformation("Registered {Deployment} ({Id}) with image {Image}", deployment.FullName, id, reference);
        }

        return new PublishOutcome(reference, push.Digest, push, ids, imageJson, deploymentsJson);
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static RegistryAccessOptions AccessOptions(PublishRequest request) => new() { CreateRepository = request.CreateRepository };

    private ImagePusher Pusher(IRegistryClient registry) => pusherFactory?.Invoke(registry) ?? new ImagePusher(registry, logger);

    private static ImageName? Override(PublishRequest request)
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

    /// <summary><c>PREFECT_API_URL</c>, else a server answering at <see cref="LocalServer.ApiUrl"/>, else null (the server
    /// cannot be embedded here: MSBuild's task host has no ASP.NET Core).</summary>
    private static async Task<PrefectClient?> CreateClientAsync(PublishRequest request, CancellationToken cancellationToken) =>
        PrefectClientOptions.FromEnvironment(request.Environment) is { } options ? new PrefectClient(options)
        : await LocalServer.AnswersAsync(cancellationToken).ConfigureAwait(false) ? new PrefectClient(LocalServer.Options)
        : null;

    private static async Task<DeploymentPlan> PlanAsync(PublishRequest request, string tag, object? imageName, string? digest, PrefectClient? client, CancellationToken cancellationToken)
    {
        if (client is null)
        {
            throw new DeployException([new DeployDiagnostic(PublishDiagnosticCodes.NoServer, true, $"no server to register the deployments with: PREFECT_API_URL is not set and nothing answers at {LocalServer.ApiUrl}",
                "Set PREFECT_API_URL (e.g. http://127.0.0.1:4200/api, or start one with 'flows-deploy server start') and PREFECT_API_KEY if it needs one.")]);
        }

        var name = imageName?.ToString();
        var planner = new DeploymentPlanner(PublishedImageStep.Registry(tag, name, digest), new PrefectWorkPoolLookup(client));
        var deploy = new DeployRequest
        {
            Project = request.ProjectFile,
            PrefectFile = request.PrefectFile,
            ManifestAssembly = request.ManifestAssembly,
            All = true,
            Pool = request.WorkPool,
            // {{ $PREFECT_IMAGE_NAME }} in the file follows the MSBuild destination when one is set.
            Environment = name is null ? request.Environment : v => v == "PREFECT_IMAGE_NAME" ? name : request.Environment(v),
        };
        return await planner.PlanAsync(deploy, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The directory the deployments' pull steps move into (the seed's <c>set_working_directory:
    /// /opt/prefect/flows</c>): the image puts the app there, as Prefect's <c>dockerfile: auto</c> image does, so the
    /// runner's pull step finds the code. Null when the pull steps name no single directory.
    /// </summary>
    internal static string? PulledWorkingDirectory(DeploymentPlan plan)
    {
        var directories = new HashSet<string>(StringComparer.Ordinal);
        foreach (var deployment in plan.Deployments)
        {
            if (deployment.Body.PullSteps is not { ValueKind: System.Text.Json.JsonValueKind.Array } steps)
            {
                continue;
            }

            foreach (var step in steps.EnumerateArray())
            {
                if (step.ValueKind == System.Text.Json.JsonValueKind.Object &&
                    (step.TryGetProperty("prefect.deployments.steps.set_working_directory", out var args) || step.TryGetProperty("prefect.deployments.steps.pull.set_working_directory", out args)) &&
                    args.ValueKind == System.Text.Json.JsonValueKind.Object && args.TryGetProperty("directory", out var d) && d.GetString() is { Length: > 0 } directory && directory.StartsWith('/'))
                {
                    directories.Add(directory);
                }
            }
        }

        return directories.Count == 1 ? directories.Single() : null;
    }

    private static ImageName ImageOf(DeploymentPlan plan, ImageName? overrideName, PublishRequest request)
    {
        if (overrideName is not null)
        {
            return overrideName;
        }

        var names = plan.Images.Select(i => i.ImageName).Distinct(StringComparer.Ordinal).ToList();
        if (names.Count > 1)
        {
            throw new DeployException([new DeployDiagnostic(PublishDiagnosticCodes.SeveralImages, true, $"the deployments name {names.Count} images ({string.Join(", ", names)}), but a project publishes one",
                "Use one build_docker_image step for the project, or deploy the others with flows-deploy.")]);
        }

        var text = names.Count == 1 ? names[0] : request.Environment("PREFECT_IMAGE_NAME");
        if (string.IsNullOrEmpty(text))
        {
            throw new DeployException([new DeployDiagnostic(PublishDiagnosticCodes.NoImageName, true, "no image name: the deployments have no build_docker_image step and PREFECT_IMAGE_NAME is not set",
                "Add a build_docker_image step with image_name, set FlowsContainerRegistry and FlowsContainerRepository, or set PREFECT_IMAGE_NAME=registry/repository.")]);
        }

        return ImageName.TryParse(text, out var problem)
            ?? throw new DeployException([new DeployDiagnostic(PublishDiagnosticCodes.ImageNameInvalid, true, $"image name {problem}", "Write image_name as registry-host[:port]/repository, e.g. localhost:5000/hello.")]);
    }

    private static DeployException LeftInRegistry(IReadOnlyList<DeployDiagnostic> diagnostics, string reference) =>
        new([.. diagnostics, new DeployDiagnostic(PublishDiagnosticCodes.RegistrationFailed, true,
            $"nothing was registered; the image {reference} was left in the registry", "It is reused by the next publish of this commit.")], badInput: false);

    private static bool IsSha(string? value) => value is { Length: >= 40 } && value.All(char.IsAsciiHexDigit);

    private static bool IsTag(string t) => t.Length is > 0 and <= 128 && t[0] is not ('.' or '-') && t.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');
}
