using System.Diagnostics;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Planning;
using Flows.Deploy.Project;
using Microsoft.Extensions.Logging;

namespace Flows.Deploy.ImageSources;

/// <summary>
/// <c>dockerfile: auto</c> from the CLI: the .NET SDK's own container publish of the project (<c>dotnet publish
/// -t:PublishContainer</c>, linux-x64) into an OCI archive, which the engine then pushes as it pushes the MSBuild path's.
/// Why a child <c>dotnet publish</c> and not MSBuild in process: the user's project, SDK and NuGet restore are exactly
/// those of their own builds.
/// </summary>
/// <param name="logger">Progress: the build.</param>
/// <param name="properties">Extra <c>name=value</c> MSBuild properties for the publish (e.g. <c>ContainerBaseImage</c>); the
/// ones the source sets itself win.</param>
/// <param name="dotnet">The dotnet host to run.</param>
public sealed class SdkContainerImageSource(ILogger logger, IReadOnlyList<string>? properties = null, string dotnet = "dotnet") : IImageSource
{
    public bool Takes(PlannedImage image) => image.IsAuto;

    public async Task<ObtainedImage> ObtainAsync(ImageBuildRequest request, CancellationToken cancellationToken = default)
    {
        var name = request.Name;
        var tag = request.Tags[0];
        if (request.ProjectFile is null)
        {
            throw new DeployException([new DeployDiagnostic(BuildDiagnosticCodes.NoProject, true,
                $"image {request.Image.Reference} has dockerfile: auto, which publishes a .NET project, but there is no project file in {request.ContextDirectory}",
                "Run flows-deploy deploy from (or with --project pointing at) the project, or name a Dockerfile.")]);
        }

        var output = Path.Combine(Path.GetTempPath(), $"flows-image-{Guid.NewGuid():N}");
        Directory.CreateDirectory(output);
        try
        {
            var archivePath = Path.Combine(output, "image.tar");
            string[] arguments =
            [
                "publish", request.ProjectFile, "-c", "Release", "--nologo", "-v:m", "-t:PublishContainer",
                .. (properties ?? []).Select(p => $"-p:{p}"),
                // The MSBuild hook must not deploy again from inside this build.
                "-p:DeployFlows=false",
                "-p:ContainerRuntimeIdentifier=linux-x64",
                // No registry: the SDK writes the archive and the engine pushes it (retries, existing blobs, ECR tokens).
                "-p:ContainerRegistry=",
                $"-p:ContainerRepository={name.Repository}",
                $"-p:ContainerImageTag={tag}",
                $"-p:ContainerArchiveOutputPath={archivePath}",
                // Where the pull step's set_working_directory expects the app (trailing slash: the SDK appends the app name).
                .. request.WorkingDirectory is { Length: > 0 } workingDirectory ? [$"-p:ContainerWorkingDirectory={workingDirectory.TrimEnd('/')}/"] : Array.Empty<string>(),
            ];

            logger.LogInformation("Building {Image} with dotnet publish {Project} (linux-x64)", name.Reference(tag), Path.GetFileName(request.ProjectFile));
            var watch = Stopwatch.StartNew();
            var result = await new DotnetProcess(request.Progress, dotnet).RunAsync(arguments, request.ContextDirectory, cancellationToken).ConfigureAwait(false);
            if (result.ExitCode != 0 || !File.Exists(archivePath))
            {
                var errors = result.Errors();
                throw new DeployException([new DeployDiagnostic(BuildDiagnosticCodes.BuildFailed, true,
                    $"dotnet publish -t:PublishContainer of {request.ProjectFile} failed (exit code {result.ExitCode}) for image {name.Reference(tag)}"
                    + (errors.Count > 0 ? ": " + string.Join(" | ", errors) : ""),
                    "Fix the build errors (dotnet publish -t:PublishContainer reproduces them); nothing was pushed or registered.")], badInput: false);
            }

            logger.LogInformation("Built {Image} in {Seconds:0.0} s", name.Reference(tag), watch.Elapsed.TotalSeconds);
            return new ArchivedImage(await Publishing.OciArchive.ReadAsync(archivePath, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
