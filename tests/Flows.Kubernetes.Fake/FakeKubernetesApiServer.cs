using System.Net;
using System.Text.Json.Nodes;
using Flows.Kubernetes.Fake.Node;
using Flows.Kubernetes.Fake.Rbac;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flows.Kubernetes.Fake;

/// <summary>
/// A fake Kubernetes API server for tests: in-process Kestrel on 127.0.0.1, speaking the real wire protocol to the
/// real KubernetesClient. Objects are schema-checked (strict), named and labelled as the API server requires, and
/// stored with uid, creationTimestamp and a global resourceVersion; a test-driven job controller runs the pods.
/// Start one per test: <c>await using var fake = await FakeKubernetesApiServer.StartAsync();</c>.
/// </summary>
public sealed class FakeKubernetesApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping;
    private readonly Cluster _cluster;
    private readonly JobController _controller;
    private readonly HttpFrontEnd _http;
    private readonly TokenAuthenticator? _tokens;
    private readonly DockerNode? _node;

    private FakeKubernetesApiServer(WebApplication app, CancellationTokenSource stopping, Cluster cluster, JobController controller, HttpFrontEnd http, string url, TokenAuthenticator? tokens, DockerNode? node)
    {
        _app = app;
        _stopping = stopping;
        _cluster = cluster;
        _controller = controller;
        _http = http;
        _tokens = tokens;
        _node = node;
        Url = url;
    }

    /// <summary>"http://127.0.0.1:PORT": the Host for <c>new KubernetesClientConfiguration { Host = fake.Url }</c>.</summary>
    public string Url { get; }

    /// <summary>The cluster's clock (timestamps, TTL): fixed until <see cref="AdvanceClock"/>.</summary>
    public DateTimeOffset Now => _cluster.Clock.Now;

    /// <summary>Every request received, in order: method, path, query, content type, body.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _http.Requests;

    /// <summary>The user RBAC refusals name (<see cref="DenyAccess"/>).</summary>
    public string User
    {
        get => _http.User;
        set => _http.User = value;
    }

    /// <summary>The message of every 403 an RBAC check (or <see cref="DenyAccess"/>) answered, in order.</summary>
    public IReadOnlyList<string> Refusals => _http.Refusals;

    /// <summary>Every authorization decision (user, verb, resource, namespace, allowed), in order: which calls a client really makes.</summary>
    public IReadOnlyList<AccessRecord> Access => _http.Access;

    /// <summary>With <see cref="FakeApiServerOptions.Rbac"/>: a token in system:masters (what <see cref="CreateClient()"/> sends); else null.</summary>
    public string? AdminToken => _tokens?.AdminToken;

    /// <summary>With <see cref="FakeApiServerOptions.DockerNode"/>: the node's id, the value of its containers' flows.fake-node label.</summary>
    public string? NodeId => _node?.Id;

    /// <summary>How many watch streams are open now (lets a test wait until its watch is established).</summary>
    public int OpenWatches => _cluster.Store.OpenWatches;

    /// <summary>The current global resourceVersion.</summary>
    public long ResourceVersion => _cluster.Store.ResourceVersion;

    /// <summary>
    /// Starts the fake with the namespaces "default" and <paramref name="namespaces"/> already there.
    /// <paramref name="watchHistory"/> bounds the changes kept for watches resuming from a resourceVersion.
    /// </summary>
    public static Task<FakeKubernetesApiServer> StartAsync(IEnumerable<string>? namespaces = null, int watchHistory = 1000, CancellationToken cancellationToken = default) =>
        StartAsync(new FakeApiServerOptions { Namespaces = [.. namespaces ?? []], WatchHistory = watchHistory }, cancellationToken);

    /// <summary>Starts the fake as <paramref name="options"/> say: RBAC, a Docker node, a fixed port.</summary>
    public static async Task<FakeKubernetesApiServer> StartAsync(FakeApiServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = new FakeClock(new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var cluster = new Cluster(new ObjectStore(options.WatchHistory), clock, new PodLogs());
        var controller = new JobController(cluster);
        var stopping = new CancellationTokenSource();
        var tokens = options.Rbac ? new TokenAuthenticator(cluster) : null;
        var http = new HttpFrontEnd(cluster, tokens, stopping.Token);
        var node = options.DockerNode is { } docker ? new DockerNode(docker, cluster, controller) : null;
        foreach (var ns in new[] { "default" }.Concat(options.Namespaces).Distinct())
        {
            cluster.Create(ResourceKind.Namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } });
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, options.Port));
        var app = builder.Build();
        app.Run(http.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new FakeKubernetesApiServer(app, stopping, cluster, controller, http, address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal), tokens, node);
    }

    /// <summary>A real client pointed at the fake (with RBAC on, as the admin).</summary>
    public k8s.Kubernetes CreateClient() => new(new KubernetesClientConfiguration { Host = Url, AccessToken = AdminToken });

    /// <summary>A real client that sends <paramref name="token"/> (a service account's) as its bearer token.</summary>
    public k8s.Kubernetes CreateClient(string token) => new(new KubernetesClientConfiguration { Host = Url, AccessToken = token });

    /// <summary>A token for an existing ServiceAccount, as a TokenRequest (<c>kubectl create token</c>) gives one.</summary>
    public string IssueToken(string @namespace, string serviceAccount) =>
        (_tokens ?? throw new InvalidOperationException("tokens need the RBAC mode (FakeApiServerOptions.Rbac)")).IssueToken(@namespace, serviceAccount);

    /// <summary>
    /// Stores an object as the cluster's admin would (kubectl create): any kind the fake serves, by apiVersion and
    /// kind, in its metadata.namespace or <paramref name="namespace"/>. Returns the stored object.
    /// </summary>
    public JsonObject Create(JsonObject obj, string? @namespace = null)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var kind = ResourceKind.All.FirstOrDefault(k => k.ApiVersion == obj.String("apiVersion") && k.Kind == obj.String("kind"))
            ?? throw new ArgumentException($"the fake does not serve {obj.String("apiVersion")} {obj.String("kind")}", nameof(obj));
        return _cluster.Create(kind, kind.Namespaced ? obj["metadata"].String("namespace") ?? @namespace ?? "default" : null, obj);
    }

    /// <summary>Replaces a stored object (kubectl replace), by apiVersion, kind, namespace and name.</summary>
    public JsonObject Replace(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var kind = ResourceKind.All.First(k => k.ApiVersion == obj.String("apiVersion") && k.Kind == obj.String("kind"));
        return _cluster.Replace(kind, kind.Namespaced ? obj.Namespace() : null, obj.Name()!, obj, checkResourceVersion: false);
    }

    /// <summary>With the Docker node: the id of the pod's container once created, else null.</summary>
    public string? ContainerOfPod(string @namespace, string pod) =>
        _node is not null && _cluster.Store.Get(ResourceKind.Pods, @namespace, pod)?.Uid() is { } uid ? _node.ContainerOf(uid) : null;

    /// <summary>With the Docker node: completes once the container of the deleted pod (by uid) has been removed.</summary>
    public Task PodContainerRemovedAsync(string podUid) => _node?.RemovedAsync(podUid) ?? Task.CompletedTask;

    // ---- cluster set-up -------------------------------------------------------------------------------------------

    public void CreateNamespace(string name) =>
        _cluster.Create(ResourceKind.Namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } });

    /// <summary>RBAC: refuse <paramref name="verb"/> on <paramref name="resource"/> ("jobs", "pods/log") in a namespace (null: everywhere) with 403.</summary>
    public void DenyAccess(string verb, string resource, string? @namespace = null) => _http.Deny(new AccessRule(verb, resource, @namespace));

    /// <summary>An exhausted ResourceQuota: creates of <paramref name="resource"/> in the namespace get 403 "exceeded quota".</summary>
    public void RefuseByQuota(string @namespace, string resource, string quotaName = "compute-resources", int limit = 1) =>
        _cluster.AddQuota(new QuotaRule(@namespace, resource, quotaName, limit));

    /// <summary>Forgets the watch history (an etcd compaction): watches from an older resourceVersion get 410 Gone.</summary>
    public void CompactWatchHistory() => _cluster.Store.Compact();

    /// <summary>Sends a BOOKMARK to every open watch that asked for them (allowWatchBookmarks=true).</summary>
    public void SendBookmarks() => _cluster.Store.SendBookmarks();

    /// <summary>Moves the cluster clock; finished Jobs whose ttlSecondsAfterFinished has passed are deleted (Foreground).</summary>
    public void AdvanceClock(TimeSpan by)
    {
        _cluster.Clock.Advance(by);
        _controller.CollectFinishedJobs();
    }

    // ---- reading state (as the typed models a worker uses) --------------------------------------------------------

    public V1Job? GetJob(string @namespace, string name) => Typed<V1Job>(_cluster.Store.Get(ResourceKind.Jobs, @namespace, name));

    public V1Pod? GetPod(string @namespace, string name) => Typed<V1Pod>(_cluster.Store.Get(ResourceKind.Pods, @namespace, name));

    public V1Secret? GetSecret(string @namespace, string name) => Typed<V1Secret>(_cluster.Store.Get(ResourceKind.Secrets, @namespace, name));

    public IReadOnlyList<V1Job> ListJobs(string @namespace) => List<V1Job>(ResourceKind.Jobs, @namespace, null);

    public IReadOnlyList<V1Secret> ListSecrets(string @namespace) => List<V1Secret>(ResourceKind.Secrets, @namespace, null);

    public IReadOnlyList<Corev1Event> ListEvents(string @namespace) => List<Corev1Event>(ResourceKind.Events, @namespace, null);

    /// <summary>The pods the controller made for a Job (selected by its job-name label), oldest first.</summary>
    public IReadOnlyList<V1Pod> PodsOfJob(string @namespace, string jobName) =>
        List<V1Pod>(ResourceKind.Pods, @namespace, $"batch.kubernetes.io/job-name={jobName}")
            .OrderBy(p => _cluster.Store.CreatedAt(ResourceKind.Pods, @namespace, p.Metadata.Name)).ToList();

    /// <summary>Waits (on changes, not polling) until a Job matching <paramref name="match"/> exists in the namespace.</summary>
    public Task<V1Job> WaitForJobAsync(string @namespace, Func<V1Job, bool>? match = null, CancellationToken cancellationToken = default) =>
        WaitAsync(() => ListJobs(@namespace).FirstOrDefault(j => match?.Invoke(j) ?? true), cancellationToken);

    /// <summary>Waits until the Job has a pod that is not finished, and returns it.</summary>
    public Task<V1Pod> WaitForJobPodAsync(string @namespace, string jobName, CancellationToken cancellationToken = default) =>
        WaitAsync(() => PodsOfJob(@namespace, jobName).LastOrDefault(p => p.Status?.Phase is not ("Succeeded" or "Failed")), cancellationToken);

    /// <summary>Waits until <paramref name="condition"/> holds, re-checking after every change the fake commits.</summary>
    public async Task<T> WaitAsync<T>(Func<T?> condition, CancellationToken cancellationToken = default)
        where T : class
    {
        while (true)
        {
            var changed = _cluster.Store.Changed;
            if (condition() is { } found)
            {
                return found;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    // ---- the test-driven job controller / kubelet -------------------------------------------------------------------

    /// <summary>Pending with a container waiting: "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError", "ContainerCreating".</summary>
    public void SetPodWaiting(string @namespace, string pod, string reason, string? message = null)
    {
        var changed = Change(@namespace, pod, PodStatus.Waiting(reason, message ?? DefaultWaitingMessage(@namespace, pod, reason), Timestamp()));
        Event(@namespace, changed, reason == "ContainerCreating" ? "Normal" : "Warning", reason switch
        {
            "ImagePullBackOff" => "BackOff",
            "ContainerCreating" => "Pulling",
            _ => "Failed",
        }, changed.Status.ContainerStatuses[0].State.Waiting.Message ?? reason, "kubelet");
    }

    /// <summary>Pending and not schedulable: PodScheduled=False with reason Unschedulable, and a FailedScheduling event.</summary>
    public void SetPodUnschedulable(string @namespace, string pod, string message = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.")
    {
        var changed = Change(@namespace, pod, PodStatus.Unschedulable(message, Timestamp()));
        Event(@namespace, changed, "Warning", "FailedScheduling", message, "default-scheduler");
    }

    /// <summary>Running and ready; its Job counts it active and ready.</summary>
    public void SetPodRunning(string @namespace, string pod) => Change(@namespace, pod, PodStatus.Running(Timestamp()));

    /// <summary>Succeeded with exit code 0; its Job gets succeeded=1, completionTime and the Complete condition.</summary>
    public void SucceedPod(string @namespace, string pod) => Change(@namespace, pod, PodStatus.Terminated("Succeeded", 0, "Completed", Timestamp()));

    /// <summary>Failed with the container's exit code and reason; the Job replaces the pod until backoffLimit, then fails.</summary>
    public void FailPod(string @namespace, string pod, int exitCode = 1, string reason = "Error") =>
        Change(@namespace, pod, PodStatus.Terminated("Failed", exitCode, reason, Timestamp()));

    /// <summary>Failed because the container was OOM-killed: terminated reason OOMKilled, exit code 137.</summary>
    public void OomKillPod(string @namespace, string pod) => FailPod(@namespace, pod, 137, "OOMKilled");

    /// <summary>Evicted by the kubelet: phase Failed, reason Evicted, a DisruptionTarget condition and an Evicted event.</summary>
    public void EvictPod(string @namespace, string pod, string message = "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. ")
    {
        var changed = Change(@namespace, pod, PodStatus.Evicted(message, Timestamp()));
        Event(@namespace, changed, "Warning", "Evicted", message, "kubelet");
    }

    /// <summary>Appends lines to the pod's log (served by pods/log; followers see them at once).</summary>
    public void AppendPodLog(string @namespace, string pod, params string[] lines) => _cluster.Logs.Append(@namespace, pod, Now, lines);

    /// <summary>Records a core/v1 Event about an object, as a controller or kubelet would.</summary>
    public void RecordEvent(string @namespace, string involvedKind, string involvedName, string type, string reason, string message)
    {
        var kind = ResourceKind.All.First(k => k.Kind == involvedKind);
        var involved = _cluster.Store.Get(kind, @namespace, involvedName)
            ?? new JsonObject { ["kind"] = kind.Kind, ["apiVersion"] = kind.ApiVersion, ["metadata"] = new JsonObject { ["name"] = involvedName } };
        _controller.RecordEvent(@namespace, involved, type, reason, message, "kubelet");
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        _cluster.Store.CloseAllWatches();
        _cluster.Logs.Pulse();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private V1Pod Change(string @namespace, string pod, Action<JsonObject> change) => Typed<V1Pod>(_controller.ChangePod(@namespace, pod, change))!;

    private void Event(string @namespace, V1Pod pod, string type, string reason, string message, string component) =>
        _controller.RecordEvent(@namespace, _cluster.Store.Get(ResourceKind.Pods, @namespace, pod.Metadata.Name)!, type, reason, message, component);

    private string DefaultWaitingMessage(string @namespace, string pod, string reason)
    {
        var image = GetPod(@namespace, pod)?.Spec.Containers.FirstOrDefault()?.Image ?? "";
        return reason switch
        {
            "ImagePullBackOff" => $"Back-off pulling image \"{image}\"",
            "ErrImagePull" => $"rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found",
            "CreateContainerConfigError" => "secret \"prefect-api-key\" not found",
            _ => reason,
        };
    }

    private string Timestamp() => _cluster.Clock.Timestamp();

    private List<T> List<T>(ResourceKind kind, string @namespace, string? labelSelector) =>
        _cluster.Store.List(kind, @namespace, LabelSelector.Parse(labelSelector), FieldSelector.Parse(null)).Items.Select(o => Typed<T>(o)!).ToList();

    private static T? Typed<T>(JsonObject? obj) => obj is null ? default : KubernetesJson.Deserialize<T>(obj.ToJsonString());
}
