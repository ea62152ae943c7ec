using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Flows.Kubernetes.Fake.Node;

/// <summary>
/// A node for the fake: every pod the fake stores is run as one Docker container per pod (its first container) on
/// the real Engine, and its status follows the container: Pending with ContainerCreating while the image is had
/// (ErrImagePull, then ImagePullBackOff with retries at 10 s doubling to 5 min; ErrImageNeverPull;
/// CreateContainerConfigError for a missing Secret or ConfigMap key), Running once started, Succeeded or Failed
/// with the exit code and OOMKilled when it exits; Failed with DeadlineExceeded when activeDeadlineSeconds (real
/// time, from when the node took the pod) runs out. The container's stdout and stderr become the pod's log. Deleting
/// the pod (directly, through a Job's Foreground delete, or by the TTL controller) removes its container.
/// Containers share the host's network, so a server or API on 127.0.0.1 is reachable as it is from the host.
/// </summary>
internal sealed class DockerNode : IAsyncDisposable
{
    /// <summary>The label every container of this node carries (value: the node's id), so only its own are removed.</summary>
    public const string NodeLabel = "flows.fake-node";

    // The labels dockershim put on a pod's containers, so `docker ps --filter label=io.kubernetes.pod.name=…` works.
    public const string PodNameLabel = "io.kubernetes.pod.name";
    public const string PodNamespaceLabel = "io.kubernetes.pod.namespace";
    public const string PodUidLabel = "io.kubernetes.pod.uid";

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LongestRun = TimeSpan.FromHours(1);

    private readonly IDockerClient _docker;
    private readonly Cluster _cluster;
    private readonly JobController _controller;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, PodRun> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<Task> _removals = [];

    public DockerNode(IDockerClient docker, Cluster cluster, JobController controller)
    {
        _docker = docker;
        _cluster = cluster;
        _controller = controller;
        cluster.PodCreated = OnPodCreated;
        cluster.PodDeleted = OnPodDeleted;
    }

    /// <summary>This node's id: the value of <see cref="NodeLabel"/> on its containers.</summary>
    public string Id { get; } = "node-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The id of the pod's container once created (null before, or for a pod this node never ran).</summary>
    public string? ContainerOf(string podUid) => _runs.TryGetValue(podUid, out var run) ? run.ContainerId : null;

    /// <summary>Completes when the pod's container has been removed after the pod was deleted.</summary>
    public Task RemovedAsync(string podUid) => _runs.TryGetValue(podUid, out var run) ? run.Removed.Task : Task.CompletedTask;

    private void OnPodCreated(JsonObject pod)
    {
        var run = new PodRun(pod.Namespace()!, pod.Name()!, pod.Uid()!, CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token));
        _runs[run.Uid] = run;
        run.Running = Task.Run(() => RunAsync(run));
    }

    private void OnPodDeleted(JsonObject pod)
    {
        if (pod.Uid() is { } uid && _runs.TryGetValue(uid, out var run))
        {
            run.Stop.Cancel();
            _removals.Add(Task.Run(async () =>
            {
                await run.Running.ConfigureAwait(false);
                await RemoveContainersAsync($"{PodUidLabel}={uid}").ConfigureAwait(false);
                run.Removed.TrySetResult();
            }));
        }
    }

    private async Task RunAsync(PodRun run)
    {
        var token = run.Stop.Token;
        var pod = Pod(run);
        if (pod is null)
        {
            return;
        }

        using var deadline = new CancellationTokenSource();
        if (pod["spec"].Number("activeDeadlineSeconds") is { } seconds)
        {
            deadline.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        using var limited = CancellationTokenSource.CreateLinkedTokenSource(token, deadline.Token);
        try
        {
            await RunPodAsync(run, pod, limited.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !token.IsCancellationRequested)
        {
            var exitCode = await KillAsync(run).ConfigureAwait(false);
            Change(run, PodStatus.DeadlineExceeded(exitCode, Now));
            Event(run, "Normal", "DeadlineExceeded", "Pod was active on the node longer than the specified deadline");
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The pod was deleted (or the fake stops): its container goes in OnPodDeleted / DisposeAsync.
        }
        catch (PodGoneException)
        {
            // Deleted between two steps.
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or TimeoutException)
        {
            // The Engine refused the container (or went away): as a kubelet, report it on the pod and stop.
            Change(run, PodStatus.Waiting("CreateContainerError", e.Message, Now));
            Event(run, "Warning", "Failed", $"Error: {e.Message}");
        }
    }

    private async Task RunPodAsync(PodRun run, JsonObject pod, CancellationToken cancellationToken)
    {
        var container = (JsonObject)((JsonArray)pod["spec"]!["containers"]!)[0]!;
        var image = container.String("image")!;
        Change(run, PodStatus.Waiting("ContainerCreating", null, Now));
        Event(run, "Normal", "Scheduled", $"Successfully assigned {run.Namespace}/{run.Name} to {PodStatus.NodeName}", "default-scheduler");
        var imageConfig = await PullAsync(run, image, container.String("imagePullPolicy") ?? "IfNotPresent", cancellationToken).ConfigureAwait(false);
        var (spec, user) = await SpecAsync(run, container, imageConfig, cancellationToken).ConfigureAwait(false);

        var create = new CreateContainerParameters
        {
            Name = ContainerName(container.String("name")!, run),
            Image = imageConfig.ID,
            Entrypoint = [spec.Argv[0]],
            Cmd = spec.Argv.Skip(1).ToList(),
            Env = spec.Env.ToList(),
            WorkingDir = spec.WorkingDir ?? string.Empty,
            User = user,
            Labels = new Dictionary<string, string>
            {
                [NodeLabel] = Id,
                [PodNameLabel] = run.Name,
                [PodNamespaceLabel] = run.Namespace,
                [PodUidLabel] = run.Uid,
                ["io.kubernetes.container.name"] = container.String("name")!,
            },
            HostConfig = new HostConfig
            {
                NetworkMode = "host",
                Memory = spec.MemoryLimitBytes ?? 0,
                // Swap equal to the limit: none, so exceeding the limit is an OOM kill as on a node without swap.
                MemorySwap = spec.MemoryLimitBytes ?? 0,
            },
        };
        run.ContainerId = (await Call(t => _docker.Containers.CreateContainerAsync(create, t), cancellationToken).ConfigureAwait(false)).ID;
        Event(run, "Normal", "Created", $"Created container {container.String("name")}");
        await Call(t => _docker.Containers.StartContainerAsync(run.ContainerId, new ContainerStartParameters(), t), cancellationToken).ConfigureAwait(false);
        Change(run, p => { PodStatus.Running(Now)(p); PodStatus.ImageId($"docker-pullable://{image}@{imageConfig.ID}")(p); });
        Event(run, "Normal", "Started", $"Started container {container.String("name")}");

        var logs = FollowLogsAsync(run, cancellationToken);
        using var longest = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        longest.CancelAfter(LongestRun);
        await _docker.Containers.WaitContainerAsync(run.ContainerId, longest.Token).ConfigureAwait(false);
        // The log stream ends with the container; its last lines must be in the pod's log before the pod ends.
        await Task.WhenAny(logs, Task.Delay(TimeSpan.FromSeconds(30), cancellationToken)).ConfigureAwait(false);
        var state = (await Call(t => _docker.Containers.InspectContainerAsync(run.ContainerId, t), cancellationToken).ConfigureAwait(false)).State!;
        var exitCode = (int)state.ExitCode;
        Change(run, exitCode == 0
            ? PodStatus.Terminated("Succeeded", 0, "Completed", Now)
            : PodStatus.Terminated("Failed", exitCode, state.OOMKilled ? "OOMKilled" : "Error", Now));
    }

    /// <summary>Has the image per policy, retrying like the kubelet: ErrImagePull, then ImagePullBackOff while it backs off.</summary>
    private async Task<ImageInspectResponse> PullAsync(PodRun run, string image, string policy, CancellationToken cancellationToken)
    {
        var backOff = TimeSpan.FromSeconds(10);
        var failures = 0;
        while (true)
        {
            try
            {
                if (policy != "Never")
                {
                    Event(run, "Normal", "Pulling", $"Pulling image \"{image}\"");
                }

                var config = await ImagePull.EnsureAsync(_docker, image, policy, cancellationToken).ConfigureAwait(false);
                Event(run, "Normal", "Pulled", $"Container image \"{image}\" {(policy == "Always" ? "pulled" : "already present on machine or pulled")}");
                return config;
            }
            catch (ImagePullException e)
            {
                failures++;
                // The first failure shows as ErrImagePull; while backing off (and after retries that fail alike) the
                // pod says ImagePullBackOff, which is what a watcher sees nearly all the time on a real node too.
                if (failures == 1)
                {
                    Change(run, PodStatus.Waiting(e.Reason, e.Message, Now));
                    Event(run, "Warning", "Failed", $"Failed to pull image \"{image}\": {e.Message}");
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                }

                var backOffReason = e.Reason == "ErrImageNeverPull" ? "ErrImageNeverPull" : "ImagePullBackOff";
                var message = e.Reason == "ErrImageNeverPull" ? e.Message : $"Back-off pulling image \"{image}\"";
                Change(run, PodStatus.Waiting(backOffReason, message, Now));
                Event(run, "Normal", "BackOff", message);
                await Task.Delay(backOff, cancellationToken).ConfigureAwait(false);
                backOff = TimeSpan.FromSeconds(Math.Min(backOff.TotalSeconds * 2, 300));
            }
        }
    }

    /// <summary>
    /// The container's settings and user; a missing Secret or ConfigMap key, or an image the runAsNonRoot check
    /// refuses, is CreateContainerConfigError, re-checked every 2 s.
    /// </summary>
    private async Task<(PodContainerSpec Spec, string User)> SpecAsync(PodRun run, JsonObject container, ImageInspectResponse image, CancellationToken cancellationToken)
    {
        while (true)
        {
            var pod = Pod(run) ?? throw new PodGoneException();
            try
            {
                var spec = PodContainerSpec.From(pod, container, image.Config?.Entrypoint?.ToList() ?? [], image.Config?.Cmd?.ToList() ?? [], Lookup);
                return (spec, RunAsUser.Resolve(pod, container, image.Config?.User ?? string.Empty));
            }
            catch (ContainerConfigException e)
            {
                Change(run, PodStatus.Waiting("CreateContainerConfigError", e.Message, Now));
                Event(run, "Warning", "Failed", $"Error: {e.Message}");
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private JsonObject? Lookup(string kind, string @namespace, string name) =>
        _cluster.Store.Get(kind == "Secret" ? ResourceKind.Secrets : ResourceKind.ConfigMaps, @namespace, name);

    /// <summary>stdout and stderr, line by line, into the pod's log (what pods/log serves).</summary>
    private async Task FollowLogsAsync(PodRun run, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(LongestRun);
            using var stream = await _docker.Containers.GetContainerLogsAsync(run.ContainerId!, new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Follow = true }, timeout.Token).ConfigureAwait(false);
            var buffer = new byte[16 * 1024];
            // stdout and stderr arrive as separate frames: each keeps its own unfinished line.
            var pending = new Dictionary<MultiplexedStream.TargetStream, System.Text.StringBuilder>();
            while (true)
            {
                var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, timeout.Token).ConfigureAwait(false);
                if (read.EOF)
                {
                    break;
                }

                if (!pending.TryGetValue(read.Target, out var line))
                {
                    pending[read.Target] = line = new System.Text.StringBuilder();
                }

                line.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, read.Count));
                var text = line.ToString();
                var end = text.LastIndexOf('\n');
                if (end >= 0)
                {
                    _cluster.Logs.Append(run.Namespace, run.Name, _cluster.Clock.Now, text[..end].Split('\n').Select(l => l.TrimEnd('\r')));
                    line.Clear().Append(text[(end + 1)..]);
                }
            }

            foreach (var rest in pending.Values.Where(p => p.Length > 0))
            {
                _cluster.Logs.Append(run.Namespace, run.Name, _cluster.Clock.Now, [rest.ToString()]);
            }
        }
        catch (Exception e) when (e is DockerApiException or IOException or HttpRequestException or OperationCanceledException)
        {
            // The log is a convenience of the pod, not its outcome; a lost stream only stops it.
        }
    }

    /// <summary>Kills the pod's container (activeDeadlineSeconds) and returns its exit code.</summary>
    private async Task<int> KillAsync(PodRun run)
    {
        if (run.ContainerId is null)
        {
            return 137;
        }

        try
        {
            await Call(t => _docker.Containers.KillContainerAsync(run.ContainerId, new ContainerKillParameters { Signal = "SIGKILL" }, t), CancellationToken.None).ConfigureAwait(false);
        }
        catch (DockerApiException)
        {
            // Already exited.
        }

        var state = (await Call(t => _docker.Containers.InspectContainerAsync(run.ContainerId, t), CancellationToken.None).ConfigureAwait(false)).State;
        return (int)(state?.ExitCode ?? 137);
    }

    private async Task RemoveContainersAsync(string label)
    {
        try
        {
            var containers = await Call(t => _docker.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [label] = true } },
            }, t), CancellationToken.None).ConfigureAwait(false);
            foreach (var container in containers)
            {
                try
                {
                    await Call(t => _docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }, t), CancellationToken.None).ConfigureAwait(false);
                }
                catch (DockerContainerNotFoundException)
                {
                    // Gone already.
                }
            }
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or OperationCanceledException)
        {
            // Best effort; DisposeAsync sweeps the node's label once more.
        }
    }

    /// <summary>A Docker call bounded by <see cref="CallTimeout"/> as well as by the pod.</summary>
    private static async Task<T> Call<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout);
        return await call(timeout.Token).ConfigureAwait(false);
    }

    private static async Task Call(Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        await Call(async t => { await call(t).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);

    /// <summary>dockershim's naming: k8s_&lt;container&gt;_&lt;pod&gt;_&lt;namespace&gt;_&lt;uid&gt;_0.</summary>
    private static string ContainerName(string container, PodRun run) => $"k8s_{container}_{run.Name}_{run.Namespace}_{run.Uid}_0";

    private JsonObject? Pod(PodRun run)
    {
        var pod = _cluster.Store.Get(ResourceKind.Pods, run.Namespace, run.Name);
        return pod?.Uid() == run.Uid ? pod : null;
    }

    private void Change(PodRun run, Action<JsonObject> change)
    {
        try
        {
            if (Pod(run) is null)
            {
                throw new PodGoneException();
            }

            _controller.ChangePod(run.Namespace, run.Name, change);
        }
        catch (StatusException e) when (e.Code == 404)
        {
            throw new PodGoneException();
        }
    }

    private void Event(PodRun run, string type, string reason, string message, string component = "kubelet")
    {
        if (Pod(run) is { } pod)
        {
            _controller.RecordEvent(run.Namespace, pod, type, reason, message, component);
        }
    }

    private string Now => _cluster.Clock.Timestamp();

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_runs.Values.Select(r => r.Running)).ConfigureAwait(false);
        await Task.WhenAll(_removals).ConfigureAwait(false);
        await RemoveContainersAsync($"{NodeLabel}={Id}").ConfigureAwait(false);
        foreach (var run in _runs.Values)
        {
            run.Stop.Dispose();
        }

        _stopping.Dispose();
    }

    /// <summary>One pod on this node: its cancellation (deleted, or the fake stopping) and its container.</summary>
    private sealed class PodRun(string @namespace, string name, string uid, CancellationTokenSource stop)
    {
        public string Namespace { get; } = @namespace;

        public string Name { get; } = name;

        public string Uid { get; } = uid;

        public CancellationTokenSource Stop { get; } = stop;

        public Task Running { get; set; } = Task.CompletedTask;

        public string? ContainerId { get; set; }

        public TaskCompletionSource Removed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class PodGoneException : Exception;
}
