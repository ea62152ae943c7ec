using Docker.DotNet;
using Docker.DotNet.Models;

namespace Flows.Kubernetes.Fake.Node;

/// <summary>
/// The kubelet's image step on the Docker Engine: the pod's imagePullPolicy (Always pulls, IfNotPresent pulls only a
/// missing image, Never only looks), anonymous pulls (imagePullSecrets are not read: the lab registry has no auth),
/// and the Engine's errors, which arrive inside the pull's JSON stream without an exception (Docker.DotNet #267).
/// </summary>
internal static class ImagePull
{
    private static readonly TimeSpan PullTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The image's config after the policy is applied; throws <see cref="ImagePullException"/> when it cannot be had.</summary>
    public static async Task<ImageInspectResponse> EnsureAsync(IDockerClient docker, string image, string policy, CancellationToken cancellationToken)
    {
        var present = await InspectAsync(docker, image, cancellationToken).ConfigureAwait(false);
        if (policy == "Never" || (policy == "IfNotPresent" && present is not null))
        {
            return present ?? throw new ImagePullException("ErrImageNeverPull", $"Container image \"{image}\" is not present with pull policy of Never");
        }

        var (fromImage, tag) = Split(image);
        var errors = new PullErrors();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PullTimeout);
        try
        {
            await docker.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = fromImage, Tag = tag }, new AuthConfig(), errors, timeout.Token).ConfigureAwait(false);
        }
        catch (DockerApiException e)
        {
            throw new ImagePullException("ErrImagePull", $"failed to pull and unpack image \"{image}\": {e.ResponseBody?.Trim()}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ImagePullException("ErrImagePull", $"failed to pull image \"{image}\": no answer from the Engine within {PullTimeout.TotalMinutes:0} minutes");
        }

        if (errors.Error is { } error)
        {
            throw new ImagePullException("ErrImagePull", $"failed to pull and unpack image \"{image}\": {error}");
        }

        return await InspectAsync(docker, image, cancellationToken).ConfigureAwait(false)
            ?? throw new ImagePullException("ErrImagePull", $"image \"{image}\" was pulled but the Engine does not have it");
    }

    /// <summary>"repo:tag" → (repo, tag); "repo:tag@sha256:…" and "repo@sha256:…" → (repo@sha256:…, "") (the digest decides); "repo" → (repo, latest).</summary>
    public static (string FromImage, string Tag) Split(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            var name = image[..at];
            var slash = name.LastIndexOf('/');
            var colon = name.LastIndexOf(':');
            return (colon > slash ? name[..colon] + image[at..] : image, "");
        }

        var lastSlash = image.LastIndexOf('/');
        var lastColon = image.LastIndexOf(':');
        return lastColon > lastSlash ? (image[..lastColon], image[(lastColon + 1)..]) : (image, "latest");
    }

    private static async Task<ImageInspectResponse?> InspectAsync(IDockerClient docker, string image, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout);
        try
        {
            return await docker.Images.InspectImageAsync(image, timeout.Token).ConfigureAwait(false);
        }
        catch (DockerImageNotFoundException)
        {
            return null;
        }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Keeps the first error of the pull's message stream, synchronously (Progress&lt;T&gt; would post it later).</summary>
    private sealed class PullErrors : IProgress<JSONMessage>
    {
        private string? _error;

        public string? Error => Volatile.Read(ref _error);

        public void Report(JSONMessage value)
        {
            if (value?.Error?.Message is { Length: > 0 } message)
            {
                Interlocked.CompareExchange(ref _error, message, null);
            }
        }
    }
}

/// <summary>An image that could not be had: the waiting reason (ErrImagePull, ErrImageNeverPull) and the kubelet's message.</summary>
internal sealed class ImagePullException(string reason, string message) : Exception(message)
{
    public string Reason { get; } = reason;
}
