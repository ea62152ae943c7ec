using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Flows.Workers.Kubernetes;

/// <summary>
/// Runs a flow run as a Kubernetes Job: builds it (<see cref="JobManifestBuilder"/>), re-attaches to a Job already
/// labelled with the flow run's id (a restarted worker, a re-submitted run) or creates it (after its API-key Secret
/// when <c>api_key_secret</c>), reports <c>&lt;namespace&gt;:&lt;job name&gt;</c>, then watches its pods: not Running
/// within <c>pod_watch_timeout_seconds</c> ends the run with the waiting reason (and deletes the Job, so a pod that
/// starts late cannot run a flow already marked Crashed); the pod's log is followed to the worker's output when
/// <c>stream_output</c>; the exit code comes from the container's terminated state, with OOMKilled or Evicted in the
/// reason. Cancelling deletes the Job with propagationPolicy Foreground (without a policy a Job's pods are orphaned).
/// </summary>
public sealed class KubernetesInfrastructure : IReattachableInfrastructure
{
    /// <summary>How long one pod watch request stays open before it is re-listed and re-opened (the server may cut it sooner).</summary>
    private static readonly TimeSpan WatchWindow = TimeSpan.FromMinutes(5);

    /// <summary>After the pod ends, how long to let its log stream drain before reporting.</summary>
    private static readonly TimeSpan LogDrain = TimeSpan.FromSeconds(30);

    private readonly Func<JsonObject?, IKubernetes> _clients;
    private readonly Func<string, string?> _settings;
    private readonly TextWriter _output;
    private readonly ConcurrentDictionary<string, IKubernetes> _cache = new(StringComparer.Ordinal);

    /// <summary>The worker host's infrastructure: clients from <c>cluster_config</c>, in-cluster config or kubeconfig.</summary>
    public KubernetesInfrastructure(TextWriter output)
        : this(output, CreateClient)
    {
    }

    /// <summary>A test seam for the cluster clients and the worker's settings.</summary>
    /// <param name="output">The worker's output.</param>
    /// <param name="clients">Gives the client for a job's <c>cluster_config</c> (null when unset).</param>
    /// <param name="settings">The worker's settings by environment variable name (default: the process environment),
    /// read for each run: where the API key goes (<see cref="ApiKeyPlacement"/>).</param>
    public KubernetesInfrastructure(TextWriter output, Func<JsonObject?, IKubernetes> clients, Func<string, string?>? settings = null)
    {
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _clients = clients ?? throw new ArgumentNullException(nameof(clients));
        _settings = settings ?? Environment.GetEnvironmentVariable;
    }

    public string Type => "kubernetes";

    /// <summary>
    /// A client for <paramref name="clusterConfig"/> (Prefect's KubernetesClusterConfig block: the kubeconfig as
    /// <c>config</c>, and <c>context_name</c>); without one, the pod's service account when in a cluster, else
    /// KUBECONFIG or ~/.kube/config. No request timeout: log follows and watches last as long as the run.
    /// </summary>
    public static IKubernetes CreateClient(JsonObject? clusterConfig)
    {
        KubernetesClientConfiguration config;
        try
        {
            if (clusterConfig?["config"] is JsonObject kubeconfig)
            {
                // JSON is YAML, so the block's kubeconfig object can be handed to the kubeconfig reader as it is.
                using var stream = new MemoryStream(Encoding.UTF8.GetBytes(kubeconfig.ToJsonString()));
                config = KubernetesClientConfiguration.BuildConfigFromConfigFile(stream, clusterConfig["context_name"]?.GetValue<string>());
            }
            else if (KubernetesClientConfiguration.IsInCluster())
            {
                config = KubernetesClientConfiguration.InClusterConfig();
            }
            else if (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 })
            {
                // BuildConfigFromConfigFile() reads only ~/.kube/config. With KUBECONFIG set, BuildDefaultConfig() reads
                // it (several files merged first-wins, as kubectl does); in-cluster was already ruled out above.
                config = KubernetesClientConfiguration.BuildDefaultConfig();
            }
            else
            {
                config = KubernetesClientConfiguration.BuildConfigFromConfigFile();
            }
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or InvalidOperationException or ArgumentException or FormatException)
        {
            throw new KubernetesJobException($"{KubernetesDiagnosticCodes.NoCluster}: no usable Kubernetes cluster configuration ({e.Message}). Run the worker in a pod with a service account, set KUBECONFIG, or set the pool's cluster_config variable.");
        }

        config.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        return new k8s.Kubernetes(config);
    }

    public async Task<InfrastructureResult> RunAsync(FlowRunJob job, Func<string, Task> started, CancellationToken cancellationToken) =>
        await RunAsync(job, started, CancellationToken.None, cancellationToken).ConfigureAwait(false)
        ?? throw new InvalidOperationException("unreachable: nothing detaches without a detach token");

    public async Task<InfrastructureResult?> RunAsync(FlowRunJob job, Func<string, Task> started, CancellationToken detach, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(started);
        KubernetesJobPlan plan;
        IKubernetes client;
        V1Job created;
        try
        {
            plan = JobManifestBuilder.Build(job, ApiKeyPlacement.FromEnvironment(_settings));
            client = Client(plan.Settings.ClusterConfig);
            created = await FindExistingAsync(client, plan, job.FlowRunId, cancellationToken).ConfigureAwait(false)
                ?? await CreateAsync(client, plan, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesJobException e)
        {
            return new InfrastructureResult(-1, e.Message);
        }
        catch (HttpOperationException e)
        {
            return new InfrastructureResult(-1, Describe(e, "create the Job"));
        }
        catch (HttpRequestException e)
        {
            return new InfrastructureResult(-1, $"{KubernetesDiagnosticCodes.ClusterUnreachable}: the Kubernetes API server did not answer ({e.Message}).");
        }

        var name = created.Metadata.Name;
        await started($"{plan.Namespace}:{name}").ConfigureAwait(false);
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(detach, cancellationToken);
        try
        {
            return await WatchAsync(client, plan, created, watching.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (detach.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The worker is going away; the Job is not. The next worker re-attaches by the flow run id label.
            Say($"Detached from Job {plan.Namespace}/{name}; it keeps running.");
            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            var deleted = await DeleteJobAsync(client, plan.Namespace, name, "Foreground").ConfigureAwait(false);
            return new InfrastructureResult(-1, deleted ? $"the Job {plan.Namespace}/{name} was deleted (cancelled)" : $"cancelled; deleting the Job {plan.Namespace}/{name} failed (see the worker's output)");
        }
        catch (HttpOperationException e)
        {
            return new InfrastructureResult(-1, Describe(e, $"watch the Job {plan.Namespace}/{name}"));
        }
        catch (HttpRequestException e)
        {
            return new InfrastructureResult(-1, $"{KubernetesDiagnosticCodes.ClusterUnreachable}: lost the Kubernetes API server while watching the Job {plan.Namespace}/{name} ({e.Message}).");
        }
    }

    private IKubernetes Client(JsonObject? clusterConfig) =>
        _cache.GetOrAdd(clusterConfig?.ToJsonString() ?? string.Empty, _ => _clients(clusterConfig));

    /// <summary>A live Job already labelled with this flow run: the worker that created it is gone, or the run came back.</summary>
    private async Task<V1Job?> FindExistingAsync(IKubernetes client, KubernetesJobPlan plan, Guid flowRunId, CancellationToken cancellationToken)
    {
        var jobs = await client.BatchV1.ListNamespacedJobAsync(plan.Namespace, labelSelector: $"{JobManifestBuilder.FlowRunIdLabel}={flowRunId}", cancellationToken: cancellationToken).ConfigureAwait(false);
        var existing = jobs.Items.Where(j => j.Metadata.DeletionTimestamp is null).OrderBy(j => j.Metadata.CreationTimestamp).FirstOrDefault();
        if (existing is not null)
        {
            Say($"Re-attaching to existing Job {plan.Namespace}/{existing.Metadata.Name} of flow run {flowRunId} instead of creating another.");
        }

        return existing;
    }

    private async Task<V1Job> CreateAsync(IKubernetes client, KubernetesJobPlan plan, CancellationToken cancellationToken)
    {
        V1Secret? secret = null;
        if (plan.ApiKeySecret is { } secretManifest)
        {
            secret = await UpsertSecretAsync(client, plan.Namespace, KubernetesJson.Deserialize<V1Secret>(secretManifest.ToJsonString()), cancellationToken).ConfigureAwait(false);
        }

        var body = KubernetesJson.Deserialize<V1Job>(plan.Job.ToJsonString());
        var job = await client.BatchV1.CreateNamespacedJobAsync(body, plan.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        Say($"Created Job {plan.Namespace}/{job.Metadata.Name}.");
        if (secret is not null)
        {
            // Owned by the Job, the Secret goes when the Job goes (ttlSecondsAfterFinished, cancellation, kubectl delete).
            secret.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "batch/v1", Kind = "Job", Name = job.Metadata.Name, Uid = job.Metadata.Uid }];
            await client.CoreV1.ReplaceNamespacedSecretAsync(secret, secret.Metadata.Name, plan.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return job;
    }

    private static async Task<V1Secret> UpsertSecretAsync(IKubernetes client, string @namespace, V1Secret secret, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.CreateNamespacedSecretAsync(secret, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // Left by an earlier submission of the same run (its name is fixed per run): bring its key up to date.
            var current = await client.CoreV1.ReadNamespacedSecretAsync(secret.Metadata.Name, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            current.StringData = secret.StringData;
            current.Data = null;
            return await client.CoreV1.ReplaceNamespacedSecretAsync(current, current.Metadata.Name, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Lists the Job's pods, then watches from the list's resourceVersion (the client's watch neither reconnects nor
    /// raises 410 Gone: it reaches only onError), re-listing when the watch closes or expires, until a pod reaches
    /// an end that the Job will not retry.
    /// </summary>
    private async Task<InfrastructureResult> WatchAsync(IKubernetes client, KubernetesJobPlan plan, V1Job job, CancellationToken cancellationToken)
    {
        var state = new PodWatch(plan.Namespace, job.Metadata.Name, job.Spec?.Template?.Spec?.Containers?.FirstOrDefault()?.Name, plan.Settings, DateTimeOffset.UtcNow);
        var logs = new List<Task>();
        var selector = $"controller-uid={job.Metadata.Uid}";
        var backoff = TimeSpan.Zero;
        while (true)
        {
            if (backoff > TimeSpan.Zero)
            {
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
            }

            V1PodList pods;
            try
            {
                pods = await client.CoreV1.ListNamespacedPodAsync(plan.Namespace, labelSelector: selector, cancellationToken: cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.Zero;
            }
            catch (Exception e) when (IsTransient(e))
            {
                // The API server blinked (restarting, a load balancer's 503, a reset connection): the Job is not known to
                // have failed, so the run is not judged; list again with backoff (up to 30 s) for as long as it lasts.
                backoff = TimeSpan.FromSeconds(Math.Clamp(backoff.TotalSeconds * 2, 0.5, 30));
                Say($"warning: listing the pods of Job {plan.Namespace}/{job.Metadata.Name} failed ({e.Message}); trying again in {backoff.TotalSeconds:0.#}s.");
                continue;
            }

            foreach (var pod in pods.Items)
            {
                if (Step(client, state, pod, deleted: false, fromWatch: false, logs, cancellationToken) is { } result)
                {
                    return await FinishAsync(logs, result).ConfigureAwait(false);
                }
            }

            if (pods.Items.Count == 0 && state.SawPod && !await JobExistsAsync(client, plan.Namespace, job.Metadata.Name, cancellationToken).ConfigureAwait(false))
            {
                return await FinishAsync(logs, Gone(state)).ConfigureAwait(false);
            }

            using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var limit = state.Deadline(DateTimeOffset.UtcNow);
            if (limit is { } until)
            {
                var left = until - DateTimeOffset.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    return await FinishAsync(logs, await TimedOutAsync(client, state, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                }

                window.CancelAfter(left);
            }

            Exception? watchError = null;
            try
            {
                await foreach (var (type, pod) in client.CoreV1.WatchListNamespacedPodAsync(
                    plan.Namespace,
                    labelSelector: selector,
                    resourceVersion: pods.Metadata.ResourceVersion,
                    timeoutSeconds: (int)WatchWindow.TotalSeconds,
                    onError: e => watchError = e,
                    cancellationToken: window.Token).ConfigureAwait(false))
                {
                    if (type is WatchEventType.Bookmark or WatchEventType.Error || pod?.Metadata is null)
                    {
                        continue;
                    }

                    if (Step(client, state, pod, type == WatchEventType.Deleted, fromWatch: true, logs, cancellationToken) is { } result)
                    {
                        return await FinishAsync(logs, result).ConfigureAwait(false);
                    }

                    if (state.Deadline(DateTimeOffset.UtcNow) != limit)
                    {
                        // The deadline moved (the pod started, an event arrived): re-list and watch with the new one.
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Our own deadline fired; the loop's next turn reports it.
                continue;
            }
            catch (Exception e) when (IsTransient(e))
            {
                watchError = e;
            }

            if (watchError is KubernetesException { Status.Code: 410 })
            {
                Say($"Pod watch for Job {plan.Namespace}/{job.Metadata.Name} expired (410 Gone); listing again.");
            }
            else if (watchError is not null)
            {
                Say($"warning: pod watch for Job {plan.Namespace}/{job.Metadata.Name} reported {watchError.Message}; listing again.");
            }
        }
    }

    /// <summary>An API server error that says nothing about the Job: worth trying again.</summary>
    private static bool IsTransient(Exception e) => e switch
    {
        HttpOperationException http => (int)http.Response.StatusCode is 429 or >= 500,
        HttpRequestException or IOException or TimeoutException => true,
        _ => false,
    };

    /// <summary>One pod seen: the state machine decides (<see cref="PodWatch"/>); this says its lines and follows logs.</summary>
    private InfrastructureResult? Step(IKubernetes client, PodWatch state, V1Pod pod, bool deleted, bool fromWatch, List<Task> logs, CancellationToken cancellationToken)
    {
        var step = state.Observe(pod, deleted, DateTimeOffset.UtcNow, fromWatch);
        if (step.Message is { } message)
        {
            Say(message);
        }

        if (step.StartedPod is { } started && state.Settings.StreamOutput)
        {
            logs.Add(FollowLogAsync(client, state.Namespace, started, pod.Spec?.Containers?.FirstOrDefault()?.Name, cancellationToken));
        }

        return step.Result;
    }

    private async Task<InfrastructureResult> TimedOutAsync(IKubernetes client, PodWatch state, CancellationToken cancellationToken)
    {
        if (state.EverRan)
        {
            return new InfrastructureResult(-1, $"{KubernetesDiagnosticCodes.JobWatchTimeout}: no event from the pods of Job {state.Namespace}/{state.JobName} for {state.Settings.JobWatchTimeout!.Value.TotalSeconds:0}s (job_watch_timeout_seconds); the Job is left running");
        }

        var why = state.Waiting;
        if (why is null)
        {
            // No pod at all: the job controller says why in the Job's events (FailedCreate: quota, admission, …).
            why = await LastWarningAsync(client, state, cancellationToken).ConfigureAwait(false) ?? (state.SawPod ? "the pod stayed Pending" : "the Job created no pod");
        }

        var deleted = await DeleteJobAsync(client, state.Namespace, state.JobName, "Foreground").ConfigureAwait(false);
        return new InfrastructureResult(-1, $"{KubernetesDiagnosticCodes.PodNotStarted}: the pod of Job {state.Namespace}/{state.JobName} was not running within {state.Settings.PodWatchTimeout.TotalSeconds:0}s (pod_watch_timeout_seconds): {why}{(deleted ? "; the Job was deleted" : string.Empty)}");
    }

    private async Task<string?> LastWarningAsync(IKubernetes client, PodWatch state, CancellationToken cancellationToken)
    {
        try
        {
            var events = await client.CoreV1.ListNamespacedEventAsync(state.Namespace, fieldSelector: $"involvedObject.name={state.JobName}", cancellationToken: cancellationToken).ConfigureAwait(false);
            return events.Items.Where(e => e.Type == "Warning").OrderBy(e => e.LastTimestamp ?? e.EventTime ?? e.Metadata.CreationTimestamp).Select(e => $"{e.Reason}: {e.Message}").LastOrDefault();
        }
        catch (HttpOperationException e)
        {
            Say($"warning: could not read the events of Job {state.Namespace}/{state.JobName}: {Describe(e, "list events")}");
            return null;
        }
    }

    private static InfrastructureResult Gone(PodWatch state) =>
        new(-1, $"{KubernetesDiagnosticCodes.JobGone}: the Job {state.Namespace}/{state.JobName} and its pods were deleted while the worker watched them");

    private async Task<InfrastructureResult> FinishAsync(List<Task> logs, InfrastructureResult result)
    {
        if (logs.Count > 0)
        {
            // The follow ends when the container does; bounded, so a stuck log request cannot hold the run open.
            var all = Task.WhenAll(logs);
            await Task.WhenAny(all, Task.Delay(LogDrain)).ConfigureAwait(false);
        }

        if (result.Reason is { } reason)
        {
            Say(reason);
        }

        return result;
    }

    private async Task FollowLogAsync(IKubernetes client, string @namespace, string pod, string? container, CancellationToken cancellationToken)
    {
        try
        {
            using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(pod, @namespace, container: container, follow: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                lock (_output)
                {
                    _output.WriteLine(line);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled with the run.
        }
        catch (HttpOperationException e)
        {
            Say($"warning: cannot stream the log of pod {@namespace}/{pod}: {Describe(e, "read pods/log")}");
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            Say($"warning: the log stream of pod {@namespace}/{pod} broke: {e.Message}");
        }
    }

    private static async Task<bool> JobExistsAsync(IKubernetes client, string @namespace, string name, CancellationToken cancellationToken)
    {
        try
        {
            await client.BatchV1.ReadNamespacedJobAsync(name, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task<bool> DeleteJobAsync(IKubernetes client, string @namespace, string name, string propagationPolicy)
    {
        try
        {
            await client.BatchV1.DeleteNamespacedJobAsync(name, @namespace, propagationPolicy: propagationPolicy).ConfigureAwait(false);
            Say($"Deleted Job {@namespace}/{name} (propagationPolicy {propagationPolicy}).");
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return true;
        }
        catch (HttpOperationException e)
        {
            Say($"warning: could not delete Job {@namespace}/{name}: {Describe(e, "delete the Job")}");
            return false;
        }
        catch (HttpRequestException e)
        {
            Say($"warning: could not delete Job {@namespace}/{name}: {e.Message}");
            return false;
        }
    }

    /// <summary>The API server's own words (its Status message), coded by cause: 403 RBAC, anything else a refusal.</summary>
    public static string Describe(HttpOperationException e, string what)
    {
        ArgumentNullException.ThrowIfNull(e);
        var message = StatusMessage(e.Response?.Content) ?? e.Message;
        var status = e.Response?.StatusCode;
        if (status == HttpStatusCode.Forbidden && !message.Contains("exceeded quota", StringComparison.Ordinal))
        {
            return $"{KubernetesDiagnosticCodes.Forbidden}: the worker's Kubernetes account may not {what}: {message}. Grant it in a Role bound to the worker's service account (the worker needs jobs: create, get, list, delete; pods: get, list, watch; pods/log: get; events: list; secrets: create, get, update unless the API key comes from an existing Secret, PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_KEY_SECRET_NAME).";
        }

        return $"{KubernetesDiagnosticCodes.Refused}: the Kubernetes API server refused to {what} ({(int?)status} {status}): {message}";
    }

    private static string? StatusMessage(string? content)
    {
        if (string.IsNullOrWhiteSpace(content))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(content)?["message"]?.GetValue<string>();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return content.Length > 500 ? content[..500] : content;
        }
    }

    private void Say(string line)
    {
        lock (_output)
        {
            _output.WriteLine($"{DateTimeOffset.Now:HH:mm:ss.fff} | kubernetes | {line}");
        }
    }
}
