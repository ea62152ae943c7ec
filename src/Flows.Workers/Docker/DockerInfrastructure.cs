using System.Formats.Tar;
using System.Globalization;
using System.Net;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Flows.Workers.Docker;

/// <summary>
/// Runs a flow run as a container through the Docker Engine API: pull (per <c>image_pull_policy</c>, with the
/// docker config's credentials for the image's registry), create (<see cref="DockerContainerSpec"/>), connect
/// extra networks, start, report the container id, stream its logs when <c>stream_output</c>, wait, and remove
/// it when <c>auto_remove</c>. Removal is done here after the exit code and state are read, rather than with
/// the Engine's own AutoRemove, which may delete the container before the wait returns. Cancelling kills the
/// container (SIGKILL, like the process worker), so the worker core decides the final state.
/// </summary>
/// <param name="docker">The Engine.</param>
/// <param name="output">The worker's output.</param>
/// <param name="credentials">Registry credentials for pulls.</param>
/// <param name="apiKeyInEnv">Put PREFECT_API_KEY in the container's env (Prefect's way, for images that cannot read
/// PREFECT_API_KEY_FILE) instead of a file written into the container before it starts.</param>
public sealed class DockerInfrastructure(IDockerClient docker, TextWriter output, IRegistryCredentials? credentials = null, bool apiKeyInEnv = false) : IFlowRunInfrastructure, IInfrastructurePreflight
{
    /// <summary>The worker setting for <c>apiKeyInEnv</c>: true puts the key in the container's env.</summary>
    public const string ApiKeyInEnvVariable = "FLOWS_DOCKER_API_KEY_IN_ENV";

    /// <summary>How many numbered names to try when a container of the same name exists (a re-submitted run).</summary>
    private const int NameAttempts = 10;

    /// <summary>Attempts at writing the API key file into a created container.</summary>
    private const int KeyWriteAttempts = 3;

    /// <summary>How long one attempt at writing the API key file may take before it is given up and repeated.</summary>
    public TimeSpan KeyWriteTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string Type => "docker";

    /// <summary>A client for <c>DOCKER_HOST</c> (default: the local socket) without a request timeout: waits and log follows last as long as the run.</summary>
    public static DockerClient CreateClient() => new DockerClientBuilder().WithTimeout(Timeout.InfiniteTimeSpan).Build();

    /// <summary>The infrastructure the worker host uses: the local Engine and the docker CLI's credentials.</summary>
    public static DockerInfrastructure Create(TextWriter output) =>
        new(CreateClient(), output, DockerConfigCredentials.FromEnvironment(warning => Say(output, $"warning: {warning}")),
            string.Equals(Environment.GetEnvironmentVariable(ApiKeyInEnvVariable), "true", StringComparison.OrdinalIgnoreCase));

    /// <summary>Pings the Engine, so a worker with no Engine stops at start instead of crashing every run it claims.</summary>
    public async Task<string?> CheckAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await docker.System.PingAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Net.Sockets.SocketException or DockerApiException or TimeoutException)
        {
            return EngineUnreachable(e);
        }
    }

    public async Task<InfrastructureResult> RunAsync(FlowRunJob job, Func<string, Task> started, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(started);
        try
        {
            var spec = DockerContainerSpec.From(job, apiKeyInEnv: apiKeyInEnv);
            if (job.ExistingInfrastructureId is { } existing)
            {
                return await ReattachAsync(existing, spec, cancellationToken).ConfigureAwait(false);
            }

            await EnsureImageAsync(spec, cancellationToken).ConfigureAwait(false);
            var id = await CreateContainerAsync(spec, cancellationToken).ConfigureAwait(false);
            try
            {
                return await StartAndWatchAsync(id, spec, started, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (spec.AutoRemove)
                {
                    await RemoveQuietlyAsync(id).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled (run Cancelling, or the worker stopping) while pulling or creating: nothing ran, and the
            // worker core settles the run's state from this result rather than from an exception.
            return new InfrastructureResult(-1, "cancelled before the container started");
        }
        catch (DockerJobException e)
        {
            return new InfrastructureResult(-1, e.Message);
        }
        catch (HttpRequestException e)
        {
            return new InfrastructureResult(-1, EngineUnreachable(e));
        }
        catch (DockerApiException e)
        {
            return new InfrastructureResult(-1, $"{DockerDiagnosticCodes.CreateFailed}: the Docker Engine refused the container: {EngineMessage(e)}");
        }
    }

    private async Task EnsureImageAsync(DockerContainerSpec spec, CancellationToken cancellationToken)
    {
        var image = spec.Parameters.Image;
        if (spec.PullPolicy != ImagePullPolicy.Always && await HasImageAsync(image, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        if (spec.PullPolicy == ImagePullPolicy.Never)
        {
            throw new DockerJobException($"{DockerDiagnosticCodes.ImageMissing}: image {image} is not on this Docker host and image_pull_policy is Never. Pull it on the host, or use IfNotPresent.");
        }

        var auth = credentials is null ? null : await credentials.GetAsync(spec.Image.Registry, cancellationToken).ConfigureAwait(false);
        var errors = new PullErrors();
        Say($"Pulling image {image}{(auth is null ? string.Empty : " (with credentials for " + spec.Image.Registry + ")")}.");
        try
        {
            await docker.Images.CreateImageAsync(
                new ImagesCreateParameters { FromImage = spec.Image.FromImage, Tag = spec.Image.PullTag },
                auth ?? new AuthConfig(),
                errors,
                cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException e)
        {
            throw new DockerJobException($"{DockerDiagnosticCodes.PullFailed}: pulling {image} failed: {EngineMessage(e)}. Check the image name and tag, and the registry credentials in the worker's docker config (DOCKER_CONFIG or ~/.docker/config.json).");
        }

        errors.ThrowIfFailed(image);
    }

    private async Task<bool> HasImageAsync(string image, CancellationToken cancellationToken)
    {
        try
        {
            await docker.Images.InspectImageAsync(image, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DockerImageNotFoundException)
        {
            return false;
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task<string> CreateContainerAsync(DockerContainerSpec spec, CancellationToken cancellationToken)
    {
        var parameters = spec.Parameters;
        var baseName = parameters.Name;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var created = await docker.Containers.CreateContainerAsync(parameters, cancellationToken).ConfigureAwait(false);
                foreach (var warning in created.Warnings ?? [])
                {
                    Say($"warning: {warning}");
                }

                if (spec.ApiKey is { } key)
                {
                    try
                    {
                        await WriteApiKeyAsync(created.ID, key, cancellationToken).ConfigureAwait(false);
                    }
                    catch
                    {
                        await RemoveQuietlyAsync(created.ID).ConfigureAwait(false); // never start a container that cannot authenticate
                        throw;
                    }
                }

                return created.ID;
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict && baseName is not null && attempt < NameAttempts)
            {
                // As Prefect's docker worker: a container of that name exists (an earlier attempt of the run), so number the new one.
                parameters.Name = $"{baseName}-{attempt + 1}";
            }
        }
    }

    /// <summary>
    /// Writes the API key to <see cref="DockerContainerSpec.ApiKeyPath"/> in the created (not yet started) container
    /// through the Engine's archive endpoint: no file on the worker's host, nothing in <c>docker inspect</c>. The same
    /// file written again is the same file, so a failed or timed-out upload is simply repeated
    /// (<see cref="KeyWriteAttempts"/> attempts of at most <see cref="KeyWriteTimeout"/> each).
    /// </summary>
    private async Task WriteApiKeyAsync(string id, ContainerApiKey key, CancellationToken cancellationToken)
    {
        var archive = ApiKeyArchive(key);
        for (var attempt = 1; ; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(KeyWriteTimeout);
            Exception failure;
            try
            {
                using var body = new MemoryStream(archive, writable: false);
                await docker.Containers.ExtractArchiveToContainerAsync(id, new CopyToContainerParameters { Path = "/" }, body, timeout.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                failure = new TimeoutException($"no answer in {KeyWriteTimeout.TotalSeconds:0.#} s", e);
            }
            catch (Exception e) when (e is IOException or HttpRequestException
                || (e is DockerApiException api && Flows.Shared.RetryDelay.IsTransient(api.StatusCode)))
            {
                failure = e;
            }

            if (attempt >= KeyWriteAttempts)
            {
                throw new DockerJobException($"{DockerDiagnosticCodes.ApiKeyWriteFailed}: writing the API key into container {Short(id)} failed {attempt} times ({failure.Message}); the container was removed unstarted. Check the Docker Engine's health, or set {ApiKeyInEnvVariable}=true to pass the key in the environment instead.");
            }

            var delay = Flows.Shared.RetryDelay.Next(attempt, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5));
            Say($"Writing the API key into container {Short(id)} failed ({failure.Message}); retrying in {delay.TotalSeconds:0.0} s.");
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A tar of <see cref="DockerContainerSpec.ApiKeyPath"/> and its directories, for the archive endpoint.</summary>
    private static byte[] ApiKeyArchive(ContainerApiKey key)
    {
        using var archive = new MemoryStream();
        using (var tar = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
        {
            var directory = Path.GetDirectoryName(DockerContainerSpec.ApiKeyPath)!.TrimStart('/');
            var parent = string.Empty;
            foreach (var part in directory.Split('/'))
            {
                parent = parent.Length == 0 ? part : $"{parent}/{part}";
                tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, parent + "/")
                {
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
                });
            }

            // Readable by whatever user the image runs as (its uid is not known here), as the env it replaces was.
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, DockerContainerSpec.ApiKeyPath.TrimStart('/'))
            {
                Mode = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(key.Value)),
            });
        }

        return archive.ToArray();
    }

    private async Task<InfrastructureResult> StartAndWatchAsync(string id, DockerContainerSpec spec, Func<string, Task> started, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var network in spec.ExtraNetworks)
            {
                await docker.Networks.ConnectNetworkAsync(network, new NetworkConnectParameters { Container = id }, cancellationToken).ConfigureAwait(false);
            }

            await docker.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or DockerApiException or HttpRequestException)
        {
            // It never ran, so there is nothing to inspect; a Created container left behind would also hold the run's name.
            await RemoveQuietlyAsync(id).ConfigureAwait(false);
            throw;
        }

        await started(id).ConfigureAwait(false);
        return await WatchAsync(id, spec, since: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A container a previous worker started for this run (its recorded id): watched to its end like one of ours,
    /// its output from now on; gone is a result that says so. With <c>auto_remove</c> it is removed once it has ended.
    /// </summary>
    private async Task<InfrastructureResult> ReattachAsync(string id, DockerContainerSpec spec, CancellationToken cancellationToken)
    {
        if (await InspectOrNullAsync(id, cancellationToken).ConfigureAwait(false) is null)
        {
            return new InfrastructureResult(-1, $"its container {Short(id)} is gone: it was removed while no worker watched it");
        }

        Say($"Re-attached to container {Short(id)}.");
        try
        {
            return await WatchAsync(id, spec, since: DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (spec.AutoRemove)
            {
                await RemoveQuietlyAsync(id).ConfigureAwait(false);
            }
        }
    }

    private async Task<InfrastructureResult> WatchAsync(string id, DockerContainerSpec spec, DateTimeOffset? since, CancellationToken cancellationToken)
    {
        var tail = new ErrorTail();
        using var stopLogs = new CancellationTokenSource();
        var logs = StreamLogsAsync(id, spec.StreamOutput, tail, since, stopLogs.Token);
        long exitCode;
        try
        {
            exitCode = await WaitForExitAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await KillQuietlyAsync(id).ConfigureAwait(false);
            exitCode = await WaitForExitAsync(id, CancellationToken.None).ConfigureAwait(false);
            await logs.ConfigureAwait(false);
            return new InfrastructureResult(ToInt(exitCode), "the container was killed (cancelled)");
        }
        catch (DockerContainerNotFoundException)
        {
            await stopLogs.CancelAsync().ConfigureAwait(false);
            await logs.ConfigureAwait(false);
            return new InfrastructureResult(-1, $"container {Short(id)} disappeared while the run was going on (removed by someone else?)");
        }

        await logs.ConfigureAwait(false);
        if (exitCode == 0)
        {
            return new InfrastructureResult(0);
        }

        var state = (await docker.Containers.InspectContainerAsync(id, CancellationToken.None).ConfigureAwait(false)).State;
        var why = state?.OOMKilled == true ? " (OOMKilled: the container ran out of memory; raise mem_limit)" : string.Empty;
        return new InfrastructureResult(ToInt(exitCode), $"container {Short(id)} exited with code {exitCode}{why}{tail.Describe()}");
    }

    /// <summary>
    /// The container's exit code. A broken wait stream (the Engine restarted, a socket reset) is not the container's
    /// end: the container is inspected and, while it runs, waited for again, with backoff (up to 30 s) for as long as
    /// the Engine does not answer. A container that no longer exists throws <see cref="DockerContainerNotFoundException"/>.
    /// </summary>
    private async Task<long> WaitForExitAsync(string id, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                return (await docker.Containers.WaitContainerAsync(id, cancellationToken).ConfigureAwait(false)).StatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException
                || (e is DockerApiException api && api is not DockerContainerNotFoundException && api.StatusCode != HttpStatusCode.NotFound))
            {
                Say($"warning: waiting for container {Short(id)} failed ({e.Message}); looking at it again in {delay.TotalSeconds:0.#}s.");
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
            try
            {
                var state = (await docker.Containers.InspectContainerAsync(id, cancellationToken).ConfigureAwait(false)).State;
                if (state is { Running: false, Status: "exited" or "dead" })
                {
                    return state.ExitCode;
                }
            }
            catch (DockerApiException e) when (e is not DockerContainerNotFoundException && e.StatusCode != HttpStatusCode.NotFound)
            {
                // The Engine answers but not usefully yet: try again.
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException)
            {
                // The Engine is not answering: try again.
            }
        }
    }

    private async Task<ContainerInspectResponse?> InspectOrNullAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            return await docker.Containers.InspectContainerAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Follows the container's output to its end, line by line, to the worker's output when asked; keeps the last stderr lines for the crash reason.</summary>
    private async Task StreamLogsAsync(string id, bool stream, ErrorTail tail, DateTimeOffset? since, CancellationToken cancellationToken)
    {
        try
        {
            var parameters = new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Follow = true };
            if (since is { } from)
            {
                parameters.Since = from.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            }

            using var logs = await docker.Containers.GetContainerLogsAsync(id, parameters, cancellationToken).ConfigureAwait(false);
            var buffer = new byte[16 * 1024];
            var stdout = new LineSplitter(line => Write(line, stream));
            var stderr = new LineSplitter(line =>
            {
                tail.Add(line);
                Write(line, stream);
            });
            while (true)
            {
                var read = await logs.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false);
                if (read.EOF)
                {
                    break;
                }

                (read.Target == MultiplexedStream.TargetStream.StandardError ? stderr : stdout).Append(buffer.AsSpan(0, read.Count));
            }

            stdout.Flush();
            stderr.Flush();
        }
        catch (Exception e) when (e is DockerApiException or IOException or HttpRequestException or OperationCanceledException)
        {
            // Logs are a convenience: a lost stream must not change how the run is judged.
            Say($"warning: the logs of container {Short(id)} stopped: {e.Message}");
        }
    }

    private void Write(string line, bool stream)
    {
        if (stream)
        {
            lock (output)
            {
                output.WriteLine(line);
            }
        }
    }

    private async Task KillQuietlyAsync(string id)
    {
        try
        {
            await docker.Containers.KillContainerAsync(id, new ContainerKillParameters { Signal = "SIGKILL" }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DockerApiException)
        {
            // Already gone or already stopped: the wait that follows reads its exit code.
        }
    }

    private async Task RemoveQuietlyAsync(string id)
    {
        try
        {
            await docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DockerContainerNotFoundException)
        {
            // Already removed (a container that never started is removed at once).
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException)
        {
            Say($"warning: could not remove container {Short(id)}: {e.Message}");
        }
    }

    private string EngineUnreachable(Exception e) =>
        $"{DockerDiagnosticCodes.EngineUnreachable}: the Docker Engine at {EngineEndpoint()} did not answer ({e.Message}). Start it (bash .ci/docker.sh here) or point DOCKER_HOST at one.";

    private string EngineEndpoint() => docker is DockerClient client ? client.Options.Endpoint?.ToString() ?? "DOCKER_HOST" : "DOCKER_HOST";

    /// <summary>The Engine's JSON error body says why (<c>{"message": "..."}</c>); fall back to the exception's text.</summary>
    private static string EngineMessage(DockerApiException e)
    {
        try
        {
            using var body = System.Text.Json.JsonDocument.Parse(e.ResponseBody ?? string.Empty);
            if (body.RootElement.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text)
            {
                return text;
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not JSON: use the message below.
        }

        return e.Message;
    }

    private static int ToInt(long code) => code is >= int.MinValue and <= int.MaxValue ? (int)code : -1;

    private static string Short(string id) => id.Length > 12 ? id[..12] : id;

    private void Say(string line) => Say(output, line);

    private static void Say(TextWriter writer, string line)
    {
        lock (writer)
        {
            writer.WriteLine($"{DateTimeOffset.Now.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} | docker | {line}");
        }
    }

    /// <summary>Splits a byte stream into UTF-8 lines (frames may cut lines and characters anywhere).</summary>
    private sealed class LineSplitter(Action<string> onLine)
    {
        private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
        private readonly StringBuilder _line = new();
        private char[] _chars = [];

        public void Append(ReadOnlySpan<byte> bytes)
        {
            var needed = Encoding.UTF8.GetMaxCharCount(bytes.Length);
            if (_chars.Length < needed)
            {
                _chars = new char[needed];
            }

            var count = _decoder.GetChars(bytes, _chars, flush: false);
            foreach (var c in _chars.AsSpan(0, count))
            {
                if (c == '\n')
                {
                    onLine(_line.ToString().TrimEnd('\r'));
                    _line.Clear();
                }
                else
                {
                    _line.Append(c);
                }
            }
        }

        public void Flush()
        {
            if (_line.Length > 0)
            {
                onLine(_line.ToString().TrimEnd('\r'));
                _line.Clear();
            }
        }
    }

    /// <summary>The last lines of stderr: why an app died before it could report (a missing file, a bad command).</summary>
    private sealed class ErrorTail
    {
        private readonly Queue<string> _lines = new();

        public void Add(string line)
        {
            if (line.Length == 0)
            {
                return;
            }

            _lines.Enqueue(line.Length > 300 ? line[..300] : line);
            if (_lines.Count > 5)
            {
                _lines.Dequeue();
            }
        }

        public string Describe() => _lines.Count == 0 ? string.Empty : ": " + string.Join(" | ", _lines);
    }
}
