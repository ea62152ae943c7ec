using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Kubernetes.Fake;
using Flows.Workers.Kubernetes;
using k8s.Models;

namespace Flows.Workers.Tests.Kubernetes;

/// <summary>The real embedded server and the fake Kubernetes API server (namespace <c>prefect</c>).</summary>
public sealed class KubernetesFixture : IAsyncLifetime
{
    public WorkerFixture Server { get; } = new();

    public FakeKubernetesApiServer Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        Cluster = await FakeKubernetesApiServer.StartAsync(["prefect"]);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>
/// FlowWorker + KubernetesInfrastructure end to end through the real server and the fake cluster. Nobody runs the
/// container: the test plays the kubelet (the fake's pod controls) and, where a run must finish, the runner
/// (proposing Running/Completed through the API as the app in the image would).
/// </summary>
public sealed class KubernetesWorkerTests : IClassFixture<KubernetesFixture>
{
    private const string Namespace = "prefect";
    private const string Image = "localhost:5000/hello:abc1234";

    private readonly KubernetesFixture _fixture;

    public KubernetesWorkerTests(KubernetesFixture fixture) => _fixture = fixture;

    private FakeKubernetesApiServer Cluster => _fixture.Cluster;

    private PrefectClient Client => _fixture.Server.Client;

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private (FlowWorker Worker, Task Running, CancellationTokenSource Stop) Start(string pool, TextWriter output, PrefectClient? client = null, TimeSpan? grace = null)
    {
        var options = new WorkerOptions { WorkPool = pool, PollInterval = TimeSpan.FromMilliseconds(100), ShutdownGrace = grace ?? TimeSpan.FromSeconds(30) };
        var kubernetes = Cluster.CreateClient();
        var worker = new FlowWorker(client ?? Client, options, new KubernetesInfrastructure(output, _ => kubernetes), output);
        var stop = new CancellationTokenSource();
        return (worker, worker.RunAsync(stop.Token), stop);
    }

    private async Task<string> CreatePoolAsync(Action<JsonObject>? change = null)
    {
        var pool = Unique("k8s");
        await Client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = pool, Type = "kubernetes", BaseJobTemplate = JsonSerializer.SerializeToElement(JobManifestBuilderTests.SeedTemplate(change)) });
        return pool;
    }

    private async Task<Guid> RunAsync(string pool, string jobVariables)
    {
        var flow = await Client.Flows.CreateFlowAsync(new FlowCreate { Name = "hello" });
        var deployment = await Client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "arthur",
            FlowId = flow.Id,
            WorkPoolName = pool,
            Entrypoint = "HelloFlows.cs:hello",
            Parameters = new Dictionary<string, JsonElement> { ["name"] = JsonSerializer.SerializeToElement("Arthur") },
            JobVariables = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(jobVariables),
        });
        return (await Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id)).Id;
    }

    private Task<V1Job> JobOfAsync(Guid runId) =>
        Cluster.WaitForJobAsync(Namespace, j => j.Metadata.Labels?.TryGetValue(JobManifestBuilder.FlowRunIdLabel, out var id) == true && id == runId.ToString(), Bounded());

    private static CancellationToken Bounded() => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;

    /// <summary>The writer's text so far, read under the lock the worker writes under.</summary>
    private static string Text(StringWriter output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static async Task StopAsync((FlowWorker Worker, Task Running, CancellationTokenSource Stop) worker)
    {
        await worker.Stop.CancelAsync();
        await worker.Running;
    }

    [Fact]
    public async Task A_run_goes_from_scheduled_to_completed_with_its_pod_log_streamed()
    {
        var pool = await CreatePoolAsync();
        var runId = await RunAsync(pool, $$"""{ "image": "{{Image}}" }""");
        using var output = new StringWriter();
        var worker = Start(pool, output);

        var job = await JobOfAsync(runId);
        var pod = await Cluster.WaitForJobPodAsync(Namespace, job.Metadata.Name, Bounded());
        var env = pod.Spec.Containers[0].Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal(runId.ToString(), env["PREFECT__FLOW_RUN_ID"]);
        Assert.Null(pod.Spec.Containers[0].Args); // the image's entrypoint is the runner
        Cluster.SetPodRunning(Namespace, pod.Metadata.Name);

        // The runner inside the image: Running, its output, Completed.
        Assert.Equal(SetStateStatus.Accept, (await Client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Running, Name = "Running" })).Status);
        Cluster.AppendPodLog(Namespace, pod.Metadata.Name, "Hello, Arthur!", "Finished in state Completed()");
        Assert.Equal(SetStateStatus.Accept, (await Client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Completed, Name = "Completed" })).Status);
        Cluster.SucceedPod(Namespace, pod.Metadata.Name);
        await _fixture.Server.WaitAsync(runId, WorkerFixture.IsFinal);
        await StopAsync(worker); // waits for the run's watch to end, so its streamed output is complete

        var run = await Client.FlowRuns.ReadFlowRunAsync(runId);
        Assert.True(run.StateType == StateType.Completed, $"{run.StateType}: {run.State?.Message}\n{output}");
        Assert.Equal($"{Namespace}:{job.Metadata.Name}", run.InfrastructurePid);
        Assert.Contains("Hello, Arthur!", output.ToString(), StringComparison.Ordinal);
        Assert.Single(Cluster.ListJobs(Namespace), j => j.Metadata.Labels[JobManifestBuilder.FlowRunIdLabel] == runId.ToString());
        Assert.DoesNotContain(Cluster.Requests, r => r.Method == "DELETE" && r.Path.EndsWith("/" + job.Metadata.Name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_pod_stuck_in_image_pull_back_off_crashes_the_run_with_the_reason_and_the_job_is_deleted()
    {
        var pool = await CreatePoolAsync();
        var runId = await RunAsync(pool, $$"""{ "image": "{{Image}}", "pod_watch_timeout_seconds": 5 }""");
        using var output = new StringWriter();
        var worker = Start(pool, output);

        var job = await JobOfAsync(runId);
        var pod = await Cluster.WaitForJobPodAsync(Namespace, job.Metadata.Name, Bounded());
        Cluster.SetPodWaiting(Namespace, pod.Metadata.Name, "ImagePullBackOff", $"Back-off pulling image \"{Image}\"");
        var run = await _fixture.Server.WaitAsync(runId, WorkerFixture.IsFinal);
        await StopAsync(worker);

        Assert.True(run.StateType == StateType.Crashed, $"{run.StateType}: {run.State?.Message}\n{output}");
        Assert.Contains(KubernetesDiagnosticCodes.PodNotStarted, run.State!.Message, StringComparison.Ordinal);
        Assert.Contains("ImagePullBackOff", run.State.Message, StringComparison.Ordinal);
        Assert.Contains($"Back-off pulling image \"{Image}\"", run.State.Message, StringComparison.Ordinal);
        var logs = await Client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [runId] } } });
        Assert.Contains(logs, l => l.Message.Contains("ImagePullBackOff", StringComparison.Ordinal));
        Assert.Contains(Cluster.Requests, r => r.Method == "DELETE" && r.Path.EndsWith("/jobs/" + job.Metadata.Name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancelling_a_run_deletes_its_job_in_the_foreground_and_ends_cancelled()
    {
        var pool = await CreatePoolAsync();
        var runId = await RunAsync(pool, $$"""{ "image": "{{Image}}" }""");
        using var output = new StringWriter();
        var worker = Start(pool, output);
        var job = await JobOfAsync(runId);
        var pod = await Cluster.WaitForJobPodAsync(Namespace, job.Metadata.Name, Bounded());
        Cluster.SetPodRunning(Namespace, pod.Metadata.Name);
        await Client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Running, Name = "Running" });

        await Client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Cancelling, Name = "Cancelling" });
        var run = await _fixture.Server.WaitAsync(runId, WorkerFixture.IsFinal);
        await StopAsync(worker);

        Assert.True(run.StateType == StateType.Cancelled, $"{run.StateType}: {run.State?.Message}\n{output}");
        var delete = Assert.Single(Cluster.Requests, r => r.Method == "DELETE" && r.Path.EndsWith("/jobs/" + job.Metadata.Name, StringComparison.Ordinal));
        Assert.True(delete.QueryValue("propagationPolicy") == "Foreground" || delete.Body.Contains("\"Foreground\"", StringComparison.Ordinal), delete.Query + " " + delete.Body);
        await Cluster.WaitAsync(() => Cluster.GetJob(Namespace, job.Metadata.Name) is null && Cluster.PodsOfJob(Namespace, job.Metadata.Name).Count == 0 ? "gone" : null, Bounded());
    }

    [Fact]
    public async Task With_api_key_secret_the_key_is_in_a_secret_owned_by_the_job_and_not_in_the_job()
    {
        var pool = await CreatePoolAsync(t =>
        {
            t["job_configuration"]!["api_key_secret"] = "{{ api_key_secret }}";
            t["variables"]!["properties"]!["api_key_secret"] = new JsonObject { ["type"] = "boolean", ["default"] = true };
        });
        var runId = await RunAsync(pool, $$"""{ "image": "{{Image}}" }""");
        using var keyed = new PrefectClient(new PrefectClientOptions { ApiUrl = Client.Options.ApiUrl, ApiKey = "pnu_not_for_your_eyes" });
        using var output = new StringWriter();
        var worker = Start(pool, output, keyed);

        var job = await JobOfAsync(runId);
        var secretName = JobManifestBuilder.ApiKeySecretName(runId);
        var secret = await Cluster.WaitAsync(() => Cluster.GetSecret(Namespace, secretName) is { Metadata.OwnerReferences.Count: > 0 } s ? s : null, Bounded());
        var pod = await Cluster.WaitForJobPodAsync(Namespace, job.Metadata.Name, Bounded());
        Cluster.SetPodRunning(Namespace, pod.Metadata.Name);
        Cluster.SucceedPod(Namespace, pod.Metadata.Name);
        await _fixture.Server.WaitAsync(runId, r => r.InfrastructurePid is not null);
        await StopAsync(worker);

        var owner = Assert.Single(secret.Metadata.OwnerReferences);
        Assert.Equal(("Job", job.Metadata.Name, job.Metadata.Uid), (owner.Kind, owner.Name, owner.Uid));
        var stored = secret.Data?.TryGetValue(JobManifestBuilder.ApiKeySecretKey, out var bytes) == true ? System.Text.Encoding.UTF8.GetString(bytes) : secret.StringData?[JobManifestBuilder.ApiKeySecretKey];
        Assert.Equal("pnu_not_for_your_eyes", stored);
        var entry = Assert.Single(pod.Spec.Containers[0].Env, e => e.Name == "PREFECT_API_KEY");
        Assert.Null(entry.Value);
        Assert.Equal(secretName, entry.ValueFrom.SecretKeyRef.Name);
        var created = Assert.Single(Cluster.Requests, r => r.Method == "POST" && r.Path == $"/apis/batch/v1/namespaces/{Namespace}/jobs");
        Assert.DoesNotContain("pnu_not_for_your_eyes", created.Body, StringComparison.Ordinal);
        Assert.True(Cluster.Requests.ToList().FindIndex(r => r.Method == "POST" && r.Path.EndsWith("/secrets", StringComparison.Ordinal))
            < Cluster.Requests.ToList().IndexOf(created), "the Secret exists before the Job that refers to it");
    }

    [Fact]
    public async Task An_oom_killed_pod_crashes_the_run_saying_so()
    {
        var pool = await CreatePoolAsync();
        var runId = await RunAsync(pool, $$"""{ "image": "{{Image}}" }""");
        using var output = new StringWriter();
        var worker = Start(pool, output);
        var job = await JobOfAsync(runId);
        var pod = await Cluster.WaitForJobPodAsync(Namespace, job.Metadata.Name, Bounded());
        Cluster.SetPodRunning(Namespace, pod.Metadata.Name);
        await Client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Running, Name = "Running" });

        Cluster.OomKillPod(Namespace, pod.Metadata.Name);
        var run = await _fixture.Server.WaitAsync(runId, WorkerFixture.IsFinal);
        await StopAsync(worker);

        Assert.True(run.StateType == StateType.Crashed, $"{run.StateType}: {run.State?.Message}\n{output}");
        Assert.Contains("OOMKilled", run.State!.Message, StringComparison.Ordinal);
        Assert.Contains("non-zero status code 137", run.State.Message, StringComparison.Ordinal);
        var logs = await Client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [runId] } } });
        Assert.Contains(logs, l => l.Level == 40 && l.Message.Contains("OOMKilled", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_forbidden_job_create_crashes_the_run_naming_the_missing_permission()
    {
        var pool = await CreatePoolAsync(t => t["variables"]!["properties"]!["namespace"]!["default"] = "locked");
        Cluster.CreateNamespace("locked");
        Cluster.DenyAccess("create", "jobs", "locked");
        var runId = await RunAsync(pool, $$"""{ "image": "{{Image}}" }""");
        using var output = new StringWriter();
        var worker = Start(pool, output);

        var run = await _fixture.Server.WaitAsync(runId, WorkerFixture.IsFinal);
        await StopAsync(worker);

        Assert.True(run.StateType == StateType.Crashed, $"{run.StateType}: {run.State?.Message}\n{output}");
        Assert.Contains(KubernetesDiagnosticCodes.Forbidden, run.State!.Message, StringComparison.Ordinal);
        Assert.Contains("cannot create resource \"jobs\" in API group \"batch\" in the namespace \"locked\"", run.State.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_namespace_crashes_the_run_with_the_api_message()
    {
        var pool = await CreatePoolAsync(t => t["variables"]!["properties"]!["namespace"]!["default"] = "nowhere");
        var runId = await RunAsync(pool, $$"""{ "image": "{{Image}}" }""");
        using var output = new StringWriter();
        var worker = Start(pool, output);

        var run = await _fixture.Server.WaitAsync(runId, WorkerFixture.IsFinal);
        await StopAsync(worker);

        Assert.True(run.StateType == StateType.Crashed, $"{run.StateType}: {run.State?.Message}\n{output}");
        Assert.Contains(KubernetesDiagnosticCodes.Refused, run.State!.Message, StringComparison.Ordinal);
        Assert.Contains("namespaces \"nowhere\" not found", run.State.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_restarted_worker_re_attaches_to_the_running_job_instead_of_creating_another()
    {
        var pool = await CreatePoolAsync();
        var runId = await RunAsync(pool, $$"""{ "image": "{{Image}}" }""");
        using var firstOutput = new StringWriter();
        var first = Start(pool, firstOutput, grace: TimeSpan.FromMilliseconds(100));
        var job = await JobOfAsync(runId);
        var pod = await Cluster.WaitForJobPodAsync(Namespace, job.Metadata.Name, Bounded());
        Cluster.SetPodRunning(Namespace, pod.Metadata.Name);
        await Client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Running, Name = "Running" });
        await _fixture.Server.WaitAsync(runId, r => r.InfrastructurePid is not null);

        // The first worker goes away mid-run: the Job runs on, the run stays Running.
        await StopAsync(first);
        Assert.Equal(StateType.Running, (await Client.FlowRuns.ReadFlowRunAsync(runId)).StateType);
        Assert.NotNull(Cluster.GetJob(Namespace, job.Metadata.Name));

        using var secondOutput = new StringWriter();
        var second = Start(pool, secondOutput);
        // The re-attach only reads the cluster (nothing the fake could signal), so this polls the worker's output.
        var limit = Bounded();
        while (!Text(secondOutput).Contains("Re-attaching to existing Job", StringComparison.Ordinal))
        {
            await Task.Delay(50, limit);
        }

        Cluster.AppendPodLog(Namespace, pod.Metadata.Name, "Hello, Arthur!");
        await Client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Completed, Name = "Completed" });
        Cluster.SucceedPod(Namespace, pod.Metadata.Name);
        var run = await _fixture.Server.WaitAsync(runId, WorkerFixture.IsFinal);
        await StopAsync(second);

        Assert.True(run.StateType == StateType.Completed, $"{run.StateType}: {run.State?.Message}\n{firstOutput}\n{secondOutput}");
        Assert.Single(Cluster.ListJobs(Namespace), j => j.Metadata.Labels[JobManifestBuilder.FlowRunIdLabel] == runId.ToString());
        Assert.Single(Cluster.Requests, r => r.Method == "POST" && r.Path == $"/apis/batch/v1/namespaces/{Namespace}/jobs" && r.Body.Contains(runId.ToString(), StringComparison.Ordinal));
        Assert.DoesNotContain(Cluster.Requests, r => r.Method == "DELETE" && r.Path.EndsWith("/jobs/" + job.Metadata.Name, StringComparison.Ordinal));
        Assert.Contains("Detached from Job", firstOutput.ToString(), StringComparison.Ordinal);
        Assert.Contains("Hello, Arthur!", secondOutput.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_evicted_pod_crashes_the_run_with_the_kubelet_message_in_its_logs()
    {
        var pool = await CreatePoolAsync();
        var runId = await RunAsync(pool, $$"""{ "image": "{{Image}}" }""");
        using var output = new StringWriter();
        var worker = Start(pool, output);
        var job = await JobOfAsync(runId);
        var pod = await Cluster.WaitForJobPodAsync(Namespace, job.Metadata.Name, Bounded());
        Cluster.SetPodRunning(Namespace, pod.Metadata.Name);
        await Client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Running, Name = "Running" });

        Cluster.EvictPod(Namespace, pod.Metadata.Name, "The node was low on resource: memory.");
        var run = await _fixture.Server.WaitAsync(runId, WorkerFixture.IsFinal);
        await StopAsync(worker);

        Assert.True(run.StateType == StateType.Crashed, $"{run.StateType}: {run.State?.Message}\n{output}");
        Assert.Contains("was Evicted: The node was low on resource: memory.", run.State!.Message, StringComparison.Ordinal);
        var logs = await Client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [runId] } } });
        Assert.Contains(logs, l => l.Level == 40 && l.Message.Contains("Evicted", StringComparison.Ordinal));
    }
}
