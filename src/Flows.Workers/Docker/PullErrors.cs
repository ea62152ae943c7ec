using Docker.DotNet.Models;

namespace Flows.Workers.Docker;

/// <summary>
/// The Engine reports a failed pull inside its JSON message stream (an <c>error</c> field), not as an HTTP error,
/// and Docker.DotNet hands those messages to progress without throwing (Docker.DotNet issue #267). This records
/// them synchronously (not through <see cref="Progress{T}"/>, which posts later) so the pull can be checked.
/// </summary>
internal sealed class PullErrors : IProgress<JSONMessage>
{
    private readonly Lock _gate = new();
    private string? _error;

    public void Report(JSONMessage value)
    {
        if (value?.Error?.Message is { Length: > 0 } message)
        {
            lock (_gate)
            {
                _error ??= message;
            }
        }
    }

    /// <summary>Throws when the stream carried an error.</summary>
    public void ThrowIfFailed(string image)
    {
        lock (_gate)
        {
            if (_error is { } error)
            {
                throw new DockerJobException($"{DockerDiagnosticCodes.PullFailed}: pulling {image} failed: {error}. Check the image name and tag, and the registry credentials in the worker's docker config (DOCKER_CONFIG or ~/.docker/config.json).");
            }
        }
    }
}
