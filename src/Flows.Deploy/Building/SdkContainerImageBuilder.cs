using System.Diagnostics;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Git;
using Flows.Deploy.Publishing;
using Microsoft.Extensions.Logging;

namespace Flows.Deploy.Building;

/// <summary>
/// <c>dockerfile: auto</c>: the .NET SDK's own container publish of the project (<c>dotnet publish
/// -t:PublishContainer</c>, linux-x64) into an OCI archive, which <see cref="ImagePusher"/> then pushes under every tag
/// (429/5xx retried, blobs already there skipped), as the MSBuild path does. Why a child <c>dotnet publish</c> and not
/// MSBuild in process: the user's project, SDK and NuGet restore are exactly those of their own builds.
/// </summary>
/// <param name="logger">Progress: the build, the push.</param>
/// <param name="properties">Extra <c>name=value</c> MSBuild properties for the publish (e.g. <c>ContainerBaseImage</c>); the
/// ones the builder sets itself win.</param>
/// <param name="dotnet">The dotnet host to run.</param>
public sealed class SdkContainerImageBuilder(ILogger logger, IReadOnlyList<string>? properties = null, string dotnet = "dotnet") : IImageBuilder
{
    public bool Builds(ImageBuildRequest request) => string.Equals(request.Image.Dockerfile, "auto", StringComparison.Ordinal);

    public async Task<BuiltImage> BuildAndPushAsync(ImageBuildRequest request, CancellationToken cancellationToken = default)
    {
        var name = request.Name;
        var tag = request.Tags[0];
        if (request.ProjectFile is null)
        {
            throw new DeployException([new DeployDiagnostic(BuildDiagnosticCodes.NoProject, true,
                $"image {request.Image.Reference} has dockerfile: auto, which publishes a .NET project, but there is no project file in {request.ContextDirectory}",
                "Run flows-deploy deploy from (or with --project pointing at) the project, or name a Dockerfile.")]);
        }

        using var registry = OciRegistryClient.Create(name.Registry, request.Environment, logger, out var retries, request.Access);
        var pusher = new ImagePusher(registry, logger);
        if (await IsCommitTagAsync(tag, request.ContextDirectory, cancellationToken).ConfigureAwait(false)
            && await pusher.FindExistingAsync(name.Repository, tag, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            // A tag naming this clean commit names fixed content: reuse it (immutable ECR tags refuse a second push).
            logger.LogInformation("{Image} already exists as {Digest}: not built or pushed again", name.Reference(tag), existing);
            return new BuiltImage(name.ToString(), tag, existing, null, true, 0);
        }

        var output = Path.Combine(Path.GetTempPath(), $"flows-image-{Guid.NewGuid():N}");
        Directory.CreateDirectory(output);
        try
        {
            var archivePath = Path.Combine(output, "image.tar");
            await PublishAsync(request, name, tag, archivePath, cancellationToken).ConfigureAwait(false);
            var archive = await OciArchive.ReadAsync(archivePath, cancellationToken).ConfigureAwait(false);
            var push = await pusher.PushAsync(archive, name.Repository, request.Tags, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Pushed {Image} ({Uploaded} blob(s) uploaded, {Present} already present, {Retries} retried call(s))",
                name.Reference(tag, push.Digest), push.BlobsUploaded, push.BlobsPresent, retries.Retries);
            return new BuiltImage(name.ToString(), tag, push.Digest, archive.ConfigDigest, false, push.BlobsUploaded);
        }
        catch (RegistryException e)
        {
            throw new DeployException([new DeployDiagnostic(e.Code, true, e.Message, e.Fix)], badInput: false);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private async Task PublishAsync(ImageBuildRequest request, ImageName name, string tag, string archivePath, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = request.ContextDirectory,
        };
        string[] args =
        [
            "publish", request.ProjectFile!, "-c", "Release", "--nologo", "-v:m", "-t:PublishContainer",
            .. (properties ?? []).Select(p => $"-p:{p}"),
            // The MSBuild hook must not deploy again from inside this build.
            "-p:DeployFlows=false",
            "-p:ContainerRuntimeIdentifier=linux-x64",
            // No registry: the SDK writes the archive and ImagePusher pushes it (retries, existing blobs, ECR tokens).
            "-p:ContainerRegistry=",
            $"-p:ContainerRepository={name.Repository}",
            $"-p:ContainerImageTag={tag}",
            $"-p:ContainerArchiveOutputPath={archivePath}",
        ];
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        if (request.WorkingDirectory is { Length: > 0 } workingDirectory)
        {
            // Where the pull step's set_working_directory expects the app (trailing slash: the SDK appends the app name).
            start.ArgumentList.Add($"-p:ContainerWorkingDirectory={workingDirectory.TrimEnd('/')}/");
        }

        logger.LogInformation("Building {Image} with dotnet publish {Project} (linux-x64)", name.Reference(tag), Path.GetFileName(request.ProjectFile));
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var lines = new List<string>();
        async Task Pump(StreamReader reader)
        {
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                lock (lines)
                {
                    lines.Add(line);
                }

                request.Progress?.Report(line);
            }
        }

        try
        {
            await Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError), process.WaitForExitAsync(cancellationToken)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0 || !File.Exists(archivePath))
        {
            var errors = lines.Where(l => l.Contains(": error ", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).Take(5).ToList();
            throw new DeployException([new DeployDiagnostic(BuildDiagnosticCodes.BuildFailed, true,
                $"dotnet publish -t:PublishContainer of {request.ProjectFile} failed (exit code {process.ExitCode}) for image {name.Reference(tag)}"
                + (errors.Count > 0 ? ": " + string.Join(" | ", errors.Select(e => e.Trim())) : ""),
                "Fix the build errors (dotnet publish -t:PublishContainer reproduces them); nothing was pushed or registered.")], badInput: false);
        }

        logger.LogInformation("Built {Image} in {Seconds:0.0} s", name.Reference(tag), watch.Elapsed.TotalSeconds);
    }

    /// <summary>Whether <paramref name="tag"/> is the clean HEAD commit's SHA (short or full): then it names fixed content.</summary>
    private static async Task<bool> IsCommitTagAsync(string tag, string directory, CancellationToken cancellationToken)
    {
        if (tag.Length < 7 || !tag.All(char.IsAsciiHexDigit) || GitRepository.FindGitDirectory(directory) is null)
        {
            return false;
        }

        try
        {
            var head = GitRepository.ReadHead(directory);
            return head.Sha.StartsWith(tag, StringComparison.OrdinalIgnoreCase)
                && await GitRepository.IsDirtyAsync(directory, cancellationToken).ConfigureAwait(false) == false;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
