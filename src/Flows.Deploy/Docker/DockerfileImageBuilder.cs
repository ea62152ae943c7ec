using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Docker.DotNet;
using Docker.DotNet.Models;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.ImageSources;
using Flows.Deploy.Planning;
using Flows.Deploy.Publishing;
using Flows.Deploy.Steps;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flows.Deploy.Docker;

/// <summary>
/// The image step's <c>dockerfile: path</c>: builds that Dockerfile with the Docker Engine (<c>POST /build</c>, the
/// classic builder, through Docker.DotNet) from the request's context directory filtered by <c>.dockerignore</c>, tags
/// it with every tag, and has the Engine push each tag with the credentials the SDK path uses
/// (<see cref="RegistryAccessFactory"/>: the SDK's variables, docker config and helpers, or an ECR token, with
/// <c>CreateRepository</c> first). The Engine is the one at <c>DOCKER_HOST</c> in the request's environment (default
/// <see cref="DefaultDockerHost"/>). Every failure is a <see cref="DeployException"/> with a FLOWS35xx code; registry
/// secrets never appear in one.
/// </summary>
public sealed partial class DockerfileImageBuilder(ILogger? logger = null) : IImageSource
{
    /// <summary>Where the Engine is when <c>DOCKER_HOST</c> is not set (the docker CLI's default on Linux).</summary>
    public const string DefaultDockerHost = "unix:///var/run/docker.sock";

    // dockerd retries a failed layer upload itself (5xx, reset connections), but not a 429 (it gives up on
    // "toomanyrequests" by design) nor a failed manifest PUT; a whole push is idempotent (layers already there are
    // skipped), so a push that failed for one of those reasons is tried again, a bounded number of times.
    private const int PushAttempts = 3;

    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(15);
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>Delay before push attempt n+1 (n ≥ 1); settable so tests of the retry do not wait long.</summary>
    public Func<int, TimeSpan> RetryDelay { get; init; } = attempt => TimeSpan.FromSeconds(2 * attempt);

    public bool Takes(PlannedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return !image.IsAuto;
    }

    /// <summary>The Engine builds and pushes (its push is the Engine's), so the engine gets an image already pushed.</summary>
    public async Task<ObtainedImage> ObtainAsync(ImageBuildRequest request, CancellationToken cancellationToken = default) =>
        new EnginePushedImage(await BuildAndPushAsync(request, cancellationToken).ConfigureAwait(false));

    public async Task<BuiltImage> BuildAndPushAsync(ImageBuildRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Takes(request.Image))
        {
            throw new ArgumentException("dockerfile: auto is the SDK container publish's, not a Docker Engine build", nameof(request));
        }

        var name = request.Name;
        var tags = Tags(request);
        var dockerfile = ResolveDockerfile(request);
        var ignore = ReadIgnore(request.ContextDirectory);
        var endpoint = EngineEndpoint(request.Environment);
        using var docker = new DockerClientBuilder().WithEndpoint(endpoint).WithTimeout(Timeout.InfiniteTimeSpan).Build();
        await PingAsync(docker, endpoint, cancellationToken).ConfigureAwait(false);

        var access = Registry(() => RegistryAccessFactory.Create(name.Registry, request.Environment, _logger, request.Access).Access);
        var imageId = await BuildAsync(docker, endpoint, request, name, tags, dockerfile, ignore, access, cancellationToken).ConfigureAwait(false);

        await Registry(() => access.PrepareRepositoryAsync(name.Repository, cancellationToken)).ConfigureAwait(false);
        string? digest = null;
        var blobs = 0;
        foreach (var tag in tags)
        {
            var (pushed, layers) = await PushAsync(docker, endpoint, request, name, tag, access, cancellationToken).ConfigureAwait(false);
            blobs += layers;
            if (tag == request.Image.Tag)
            {
                digest = pushed;
            }
        }

        return new BuiltImage(name.ToString(), request.Image.Tag, digest!, imageId, Skipped: false, BlobsUploaded: blobs);
    }

    /// <summary>The step's tag first, then the request's and the step's <c>additional_tags</c>, each once.</summary>
    private static List<string> Tags(ImageBuildRequest request)
    {
        var tags = new List<string> { request.Image.Tag };
        foreach (var tag in request.Tags.Concat(request.Image.AdditionalTags ?? []))
        {
            if (!BuildDockerImageStep.IsValidTag(tag))
            {
                throw Error(PublishDiagnosticCodes.TagInvalid, $"'{tag}' is not a valid image tag", "Use letters, digits, '_', '.' and '-' (at most 128; not starting with '.' or '-').", badInput: true);
            }

            if (!tags.Contains(tag))
            {
                tags.Add(tag);
            }
        }

        return tags;
    }

    private static string ResolveDockerfile(ImageBuildRequest request)
    {
        var path = Path.GetFullPath(Path.Combine(request.ContextDirectory, request.Image.Dockerfile));
        return File.Exists(path)
            ? path
            : throw Error(DockerDiagnosticCodes.DockerfileMissing, $"Dockerfile '{request.Image.Dockerfile}' of image {request.Image.ImageName} does not exist (looked for {path})",
                $"Fix 'dockerfile:' in the build_docker_image step (relative to {request.ContextDirectory}), or write 'dockerfile: auto' for the SDK's container build.", badInput: true);
    }

    private static DockerIgnore ReadIgnore(string contextDirectory)
    {
        var path = Path.Combine(contextDirectory, ".dockerignore");
        try
        {
            return File.Exists(path) ? DockerIgnore.Parse(File.ReadAllText(path)) : DockerIgnore.Empty;
        }
        catch (FormatException e)
        {
            throw Error(DockerDiagnosticCodes.BuildContextInvalid, $"{path}: {e.Message}", "Fix the pattern (Docker's syntax: *, ?, **, [a-z], \\ escapes, ! for exceptions).", badInput: true);
        }
    }

    private static Uri EngineEndpoint(Func<string, string?> environment)
    {
        var host = environment("DOCKER_HOST") is { Length: > 0 } h ? h : DefaultDockerHost;
        return Uri.TryCreate(host, UriKind.Absolute, out var uri)
            ? uri
            : throw Error(DockerDiagnosticCodes.EngineUnreachable, $"DOCKER_HOST '{host}' is not an address", "Set DOCKER_HOST to unix:///path/to/docker.sock or tcp://host:port, or unset it for the local Engine.", badInput: true);
    }

    private static async Task PingAsync(IDockerClient docker, Uri endpoint, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PingTimeout);
        try
        {
            await docker.System.PingAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unreachable(endpoint, $"no answer within {PingTimeout.TotalSeconds:0} s");
        }
        catch (Exception e) when (IsConnectionProblem(e) && !cancellationToken.IsCancellationRequested)
        {
            throw Unreachable(endpoint, e.Message);
        }
        catch (DockerApiException e)
        {
            throw Unreachable(endpoint, $"{(int)e.StatusCode} {DaemonMessage(e)}");
        }
    }

    private async Task<string> BuildAsync(IDockerClient docker, Uri endpoint, ImageBuildRequest request, ImageName name, List<string> tags, string dockerfile, DockerIgnore ignore,
        IRegistryAccess access, CancellationToken cancellationToken)
    {
        var temp = Path.Combine(Path.GetTempPath(), $"flows-context-{Guid.NewGuid():N}.tar");
        var tar = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        await using (tar.ConfigureAwait(false))
        {
            BuildContext context;
            try
            {
                context = await BuildContext.WriteAsync(request.ContextDirectory, dockerfile, ignore, tar, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Error(DockerDiagnosticCodes.BuildContextInvalid, $"the build context {request.ContextDirectory} could not be read: {e.Message}",
                    "Make the file readable, or leave it out of the context with a line in .dockerignore.", badInput: true);
            }

            tar.Position = 0;
            var parameters = new ImageBuildParameters
            {
                Dockerfile = context.DockerfilePath,
                Tags = tags.Select(t => name.Reference(t)).ToList(),
                Platform = string.IsNullOrEmpty(request.Image.Platform) ? null : request.Image.Platform,
                BuildArgs = request.Image.BuildArgs?.ToDictionary(p => p.Key, p => p.Value),
                NoCache = request.Image.IgnoreCache == true ? true : null,
                Remove = true,
                // Unlike the CLI's default, also remove the container of a failed step: a deploy tool should not leave
                // one exited container per failed deploy on the build machine.
                ForceRemove = true,
                // The classic builder, always: BuildKit over this API needs the CLI's session stream, and a daemon with
                // BuildKit as its default would otherwise answer "no active session".
                Version = "1",
            };
            var auth = await PullCredentialsAsync(dockerfile, request, name, access, cancellationToken).ConfigureAwait(false);
            var messages = new BuildMessages(request.Progress);
            _logger.LogInformation("Building {Image} from {Dockerfile} ({Files} files in the context, platform {Platform})", name.Reference(request.Image.Tag), dockerfile, context.Files,
                parameters.Platform ?? "the Engine's");
            try
            {
                await docker.Images.BuildImageFromDockerfileAsync(parameters, tar, auth, new Dictionary<string, string>(), messages, cancellationToken).ConfigureAwait(false);
            }
            catch (DockerApiException e)
            {
                // Before the first step (a parse error, an unknown platform) the Engine answers with an HTTP error instead.
                throw BuildFailed(request, messages.LastStep, DaemonMessage(e), auth);
            }
            catch (Exception e) when (IsConnectionProblem(e) && !cancellationToken.IsCancellationRequested)
            {
                throw Unreachable(endpoint, e.Message);
            }

            messages.Complete();
            if (messages.Error is { } error)
            {
                throw BuildFailed(request, messages.LastStep, error, auth);
            }

            if (messages.ImageId is { } id)
            {
                return id;
            }

            var inspected = await docker.Images.InspectImageAsync(name.Reference(request.Image.Tag), cancellationToken).ConfigureAwait(false);
            return inspected.ID;
        }
    }

    /// <summary>Credentials for the registries the Dockerfile's <c>FROM</c> lines pull from (and the target registry,
    /// which often holds the base too), sent as <c>X-Registry-Config</c> so private base images pull.</summary>
    private async Task<List<AuthConfig>> PullCredentialsAsync(string dockerfile, ImageBuildRequest request, ImageName name, IRegistryAccess access, CancellationToken cancellationToken)
    {
        var auth = new List<AuthConfig>();
        if (await Registry(() => access.GetCredentialAsync(false, cancellationToken).AsTask()).ConfigureAwait(false) is { } own)
        {
            auth.Add(Auth(own, name.Registry));
        }

        foreach (var registry in BaseRegistries(File.ReadAllText(dockerfile)).Where(r => !string.Equals(r, name.Registry, StringComparison.OrdinalIgnoreCase)))
        {
            try
            {
                var (baseAccess, _) = RegistryAccessFactory.Create(registry, request.Environment, _logger, request.Access);
                if (await baseAccess.GetCredentialAsync(false, cancellationToken).ConfigureAwait(false) is { } credential)
                {
                    auth.Add(Auth(credential, registry));
                }
            }
            catch (RegistryException e)
            {
                // Only needed if the base is private; if it is, the Engine's pull error says so and names the registry.
                _logger.LogWarning("No credentials for base image registry {Registry}: {Message}", registry, e.Message);
            }
        }

        return auth;
    }

    /// <summary>Registry hosts named by <c>FROM</c> lines (<c>FROM [--platform=…] host[:port]/repo[:tag] [AS name]</c>).</summary>
    internal static IEnumerable<string> BaseRegistries(string dockerfile) => FromLine().Matches(dockerfile)
        .Select(m => m.Groups["image"].Value)
        .Where(image => image.IndexOf('/', StringComparison.Ordinal) is > 0 and var slash && !image.Contains('$', StringComparison.Ordinal)
            && image[..slash] is var host && (host.Contains('.', StringComparison.Ordinal) || host.Contains(':', StringComparison.Ordinal) || host == "localhost"))
        .Select(image => image[..image.IndexOf('/', StringComparison.Ordinal)])
        .Distinct(StringComparer.OrdinalIgnoreCase);

    private async Task<(string Digest, int Layers)> PushAsync(IDockerClient docker, Uri endpoint, ImageBuildRequest request, ImageName name, string tag, IRegistryAccess access,
        CancellationToken cancellationToken)
    {
        var refreshed = false;
        for (var attempt = 1; ; attempt++)
        {
            var credential = await Registry(() => access.GetCredentialAsync(refreshed, cancellationToken).AsTask()).ConfigureAwait(false);
            var messages = new PushMessages(tag, request.Progress);
            string? error;
            try
            {
                await docker.Images.PushImageAsync(name.ToString(), new ImagePushParameters { Tag = tag }, credential is null ? new AuthConfig { ServerAddress = name.Registry } : Auth(credential, name.Registry),
                    messages, cancellationToken).ConfigureAwait(false);
                error = messages.Error;
            }
            catch (DockerApiException e)
            {
                error = DaemonMessage(e);
            }
            catch (Exception e) when (IsConnectionProblem(e) && !cancellationToken.IsCancellationRequested)
            {
                throw Unreachable(endpoint, e.Message);
            }

            if (error is null)
            {
                return messages.Digest is { } digest
                    ? (digest, messages.LayersPushed)
                    : throw Error(DockerDiagnosticCodes.PushFailed, $"the Docker Engine pushed {name.Reference(tag)} to {name.Registry} but reported no digest",
                        "Push again; if it persists, check the Engine's log (dockerd) for the push.");
            }

            error = Redact(error, credential);
            if (IsAuthProblem(error))
            {
                if (access.CanRefresh && !refreshed)
                {
                    refreshed = true; // a cached token may have expired: fetch a fresh one, once
                    continue;
                }

                var refused = access.Refused(name.Registry, name.Repository, credential);
                throw Error(refused.Code, $"{refused.Message} (the Docker Engine reported: {error.TrimEnd('.')})", refused.Fix);
            }

            if (IsTransient(error) && attempt < PushAttempts)
            {
                var delay = RetryDelay(attempt);
                _logger.LogWarning("Pushing {Reference} failed ({Error}); trying again in {Delay} s ({Attempt}/{Attempts})", name.Reference(tag), error, delay.TotalSeconds, attempt + 1, PushAttempts);
                request.Progress?.Report($"push failed ({error}); trying again in {delay.TotalSeconds:0.#} s");
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                continue;
            }

            throw Error(DockerDiagnosticCodes.PushFailed, $"the Docker Engine could not push {name.Reference(tag)} to registry {name.Registry}: {error.TrimEnd('.')}",
                $"Check that {name.Registry} is reachable from the Docker Engine (it pushes, not this process), that a registry served over plain http is in the Engine's insecure-registries, "
                + "and that the repository name is allowed there.");
        }
    }

    private static AuthConfig Auth(RegistryCredential credential, string registry) => credential.UserName == "<token>"
        ? new AuthConfig { IdentityToken = credential.Secret, ServerAddress = registry } // docker config's identitytoken
        : new AuthConfig { Username = credential.UserName, Password = credential.Secret, ServerAddress = registry };

    // The daemon's wording for a refused or missing credential (registry/distribution errcodes, as dockerd prints them).
    private static bool IsAuthProblem(string error) =>
        error.Contains("unauthorized", StringComparison.OrdinalIgnoreCase) || error.Contains("authentication required", StringComparison.OrdinalIgnoreCase)
        || error.Contains("no basic auth credentials", StringComparison.OrdinalIgnoreCase) || error.Contains("denied", StringComparison.OrdinalIgnoreCase);

    private static bool IsTransient(string error) =>
        error.Contains("toomanyrequests", StringComparison.OrdinalIgnoreCase) || error.Contains("too many requests", StringComparison.OrdinalIgnoreCase)
        || TransientStatus().IsMatch(error) || error.Contains("unavailable", StringComparison.OrdinalIgnoreCase)
        || error.Contains("connection reset", StringComparison.OrdinalIgnoreCase) || error.Contains("timeout", StringComparison.OrdinalIgnoreCase)
        || error.EndsWith("EOF", StringComparison.Ordinal);

    private static bool IsConnectionProblem(Exception e) => e is HttpRequestException or SocketException or IOException or TimeoutException
        || e.InnerException is HttpRequestException or SocketException or IOException;

    private static DeployException BuildFailed(ImageBuildRequest request, string? step, string message, List<AuthConfig> auth)
    {
        foreach (var a in auth)
        {
            message = Redact(message, a.Password is { } p ? new RegistryCredential(a.Username ?? "", p) : null);
        }

        var where = step is null ? "" : $" at {step.Replace(" : ", " (", StringComparison.Ordinal)})";
        return Error(DockerDiagnosticCodes.BuildFailed, $"docker build of {request.Image.Dockerfile} for {request.Image.ImageName} failed{where}: {message.TrimEnd('.')}",
            "Fix the Dockerfile step (the message is the Docker Engine's), then deploy again.");
    }

    private static DeployException Unreachable(Uri endpoint, string reason) => Error(DockerDiagnosticCodes.EngineUnreachable,
        $"the Docker Engine at {endpoint} did not answer ({reason.TrimEnd('.')})", "Start Docker (bash .ci/docker.sh here), or set DOCKER_HOST to an Engine that runs.");

    /// <summary>The <c>message</c> of an Engine error body, or the body itself.</summary>
    private static string DaemonMessage(DockerApiException e)
    {
        try
        {
            if (JsonDocument.Parse(e.ResponseBody ?? "").RootElement is { ValueKind: JsonValueKind.Object } body
                && body.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text)
            {
                return text.Trim();
            }
        }
        catch (JsonException)
        {
        }

        return string.IsNullOrWhiteSpace(e.ResponseBody) ? e.StatusCode.ToString() : e.ResponseBody.Trim();
    }

    private static string Redact(string text, RegistryCredential? credential) =>
        credential is { Secret.Length: > 0 } ? text.Replace(credential.Secret, "***", StringComparison.Ordinal) : text;

    private static T Registry<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (RegistryException e)
        {
            throw Error(e.Code, e.Message, e.Fix);
        }
    }

    private static async Task<T> Registry<T>(Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (RegistryException e)
        {
            throw Error(e.Code, e.Message, e.Fix);
        }
    }

    private static async Task Registry(Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (RegistryException e)
        {
            throw Error(e.Code, e.Message, e.Fix);
        }
    }

    private static DeployException Error(string code, string message, string fix, bool badInput = false) =>
        new([new DeployDiagnostic(code, true, message, fix.EndsWith('.') ? fix : fix + ".")], badInput);

    [GeneratedRegex(@"^\s*FROM\s+(?:--\S+\s+)*(?<image>\S+)", RegexOptions.Multiline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FromLine();

    [GeneratedRegex(@"\b(429|500|502|503|504)\b", RegexOptions.CultureInvariant)]
    private static partial Regex TransientStatus();
}
