using System.Text.Json.Nodes;
using Docker.DotNet;
using Docker.DotNet.Models;
using k8s;
using k8s.Models;
using static Flows.Kubernetes.Fake.Tests.TestJobs;

namespace Flows.Kubernetes.Fake.Tests;

/// <summary>
/// The Docker node: pods run as containers on the real Engine, with images from the lab registry (localhost:5000,
/// started by <c>bash .ci/registry.sh &amp;&amp; bash .ci/docker.sh</c>; a missing Engine fails these tests with that command).
/// The image is runtime-deps, whose only program is dash: the commands below use its builtins.
/// </summary>
public sealed class NodeTests : IAsyncLifetime
{
    private const string Image = "localhost:5000/dotnet/runtime-deps:10.0";

    private readonly DockerClient _docker = new DockerClientBuilder().WithTimeout(TimeSpan.FromMinutes(2)).Build();
    private FakeKubernetesApiServer _fake = null!;
    private k8s.Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        try
        {
            using var ping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _docker.System.PingAsync(ping.Token);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            throw new InvalidOperationException($"Docker Engine not reachable ({e.Message}): run `bash .ci/registry.sh && bash .ci/docker.sh` as root.", e);
        }

        _fake = await FakeKubernetesApiServer.StartAsync(new FakeApiServerOptions { Namespaces = [Namespace], DockerNode = _docker });
        _client = _fake.CreateClient();
    }

    public async Task DisposeAsync()
    {
        await _fake.DisposeAsync();
        _docker.Dispose();
    }

    private static CancellationToken Minute() => new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;

    private static V1Job ShellJob(string script, int? ttl = null, long? activeDeadlineSeconds = null, string image = Image, string? memory = null)
    {
        var job = Job(name: null, generateName: "node-", ttl: ttl);
        var container = job.Spec.Template.Spec.Containers[0];
        container.Image = image;
        container.Command = ["sh", "-c"];
        container.Args = [script];
        container.Env =
        [
            new V1EnvVar { Name = "POD_NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
            new V1EnvVar { Name = "GREETING", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "greeting", Key = "text" } } },
        ];
        container.WorkingDir = "/tmp";
        if (memory is not null)
        {
            container.Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new(memory) } };
        }

        job.Spec.Template.Spec.ActiveDeadlineSeconds = activeDeadlineSeconds;
        return job;
    }

    private async Task<V1Pod> RunToEndAsync(V1Job job)
    {
        await _client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "greeting" }, StringData = new Dictionary<string, string> { ["text"] = "hello from a Secret" } }, Namespace);
        var created = await _client.BatchV1.CreateNamespacedJobAsync(job, Namespace);
        return await _fake.WaitAsync(() => _fake.PodsOfJob(Namespace, created.Metadata.Name).FirstOrDefault(p => p.Status?.Phase is "Succeeded" or "Failed"), Minute());
    }

    private async Task<IList<ContainerListResponse>> ContainersOfPodAsync(string pod)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"io.kubernetes.pod.name={pod}"] = true } },
        }, timeout.Token);
    }

    [Fact]
    public async Task A_pod_runs_its_command_with_its_env_and_working_dir_and_ends_Failed_with_the_exit_code_and_its_log()
    {
        var pod = await RunToEndAsync(ShellJob("echo \"$GREETING in $POD_NAME at $(pwd)\"; echo oops >&2; exit 3"));

        var terminated = pod.Status.ContainerStatuses[0].State.Terminated;
        Assert.Equal(("Failed", 3, "Error"), (pod.Status.Phase, terminated.ExitCode, terminated.Reason));
        using var log = new StreamReader(await _client.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, Namespace));
        // stdout and stderr are two streams: their lines arrive in either order, as on a node.
        Assert.Equal([$"hello from a Secret in {pod.Metadata.Name} at /tmp", "oops"], (await log.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        var job = _fake.GetJob(Namespace, pod.Metadata.Labels["job-name"])!;
        Assert.Contains(job.Status.Conditions, c => c.Type == "Failed");
        // The container stays (as a kubelet keeps it) until the pod goes.
        Assert.Single(await ContainersOfPodAsync(pod.Metadata.Name));
    }

    [Fact]
    public async Task A_succeeded_pods_container_is_removed_when_the_Jobs_TTL_runs_out()
    {
        var pod = await RunToEndAsync(ShellJob("echo done", ttl: 60));
        Assert.Equal(("Succeeded", 0), (pod.Status.Phase, pod.Status.ContainerStatuses[0].State.Terminated.ExitCode));
        Assert.Single(await ContainersOfPodAsync(pod.Metadata.Name));

        _fake.AdvanceClock(TimeSpan.FromSeconds(60));
        await _fake.PodContainerRemovedAsync(pod.Metadata.Uid).WaitAsync(Minute());

        Assert.Empty(_fake.ListJobs(Namespace));
        Assert.Empty(await ContainersOfPodAsync(pod.Metadata.Name));
    }

    [Fact]
    public async Task A_container_over_its_memory_limit_is_OOMKilled()
    {
        var pod = await RunToEndAsync(ShellJob("x=0123456789; while :; do x=$x$x; done", memory: "16Mi"));

        var terminated = pod.Status.ContainerStatuses[0].State.Terminated;
        Assert.Equal(("Failed", 137, "OOMKilled"), (pod.Status.Phase, terminated.ExitCode, terminated.Reason));
    }

    [Fact]
    public async Task ActiveDeadlineSeconds_kills_the_container_and_fails_the_pod_with_DeadlineExceeded()
    {
        // dash has no sleep: the container spins until the deadline (2 s of one core).
        var pod = await RunToEndAsync(ShellJob("echo started; while :; do :; done", activeDeadlineSeconds: 2));

        Assert.Equal(("Failed", "DeadlineExceeded"), (pod.Status.Phase, pod.Status.Reason));
        Assert.Equal(137, pod.Status.ContainerStatuses[0].State.Terminated.ExitCode);
    }

    [Fact]
    public async Task An_image_that_does_not_exist_is_ErrImagePull_then_ImagePullBackOff_and_deleting_the_pod_ends_it()
    {
        var created = await _client.BatchV1.CreateNamespacedJobAsync(ShellJob("true", image: "localhost:5000/flows-fake-node/missing:nope"), Namespace);
        var first = await _fake.WaitAsync(() => _fake.PodsOfJob(Namespace, created.Metadata.Name).FirstOrDefault(p => p.Status?.ContainerStatuses?[0].State.Waiting?.Reason == "ErrImagePull"), Minute());
        var backOff = await _fake.WaitAsync(() => _fake.PodsOfJob(Namespace, created.Metadata.Name).FirstOrDefault(p => p.Status?.ContainerStatuses?[0].State.Waiting?.Reason == "ImagePullBackOff"), Minute());

        Assert.Contains("localhost:5000/flows-fake-node/missing:nope", first.Status.ContainerStatuses[0].State.Waiting.Message, StringComparison.Ordinal);
        Assert.Equal("Back-off pulling image \"localhost:5000/flows-fake-node/missing:nope\"", backOff.Status.ContainerStatuses[0].State.Waiting.Message);
        Assert.Equal("Pending", backOff.Status.Phase);
        Assert.Contains(_fake.ListEvents(Namespace), e => e.Reason == "Failed" && e.Message.StartsWith("Failed to pull image", StringComparison.Ordinal));

        await _client.BatchV1.DeleteNamespacedJobAsync(created.Metadata.Name, Namespace, propagationPolicy: "Foreground");
        await _fake.PodContainerRemovedAsync(backOff.Metadata.Uid).WaitAsync(Minute());
        Assert.Empty(_fake.PodsOfJob(Namespace, created.Metadata.Name));
    }

    [Fact]
    public async Task A_missing_Secret_is_CreateContainerConfigError_until_it_exists()
    {
        var created = await _client.BatchV1.CreateNamespacedJobAsync(ShellJob("echo \"$GREETING\""), Namespace);
        var waiting = await _fake.WaitAsync(() => _fake.PodsOfJob(Namespace, created.Metadata.Name).FirstOrDefault(p => p.Status?.ContainerStatuses?[0].State.Waiting?.Reason == "CreateContainerConfigError"), Minute());
        Assert.Equal("secret \"greeting\" not found", waiting.Status.ContainerStatuses[0].State.Waiting.Message);

        await _client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "greeting" }, StringData = new Dictionary<string, string> { ["text"] = "late" } }, Namespace);
        var pod = await _fake.WaitAsync(() => _fake.PodsOfJob(Namespace, created.Metadata.Name).FirstOrDefault(p => p.Status?.Phase == "Succeeded"), Minute());
        using var log = new StreamReader(await _client.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, Namespace));
        Assert.Equal("late\n", await log.ReadToEndAsync());
    }

    [Fact]
    public async Task A_deleted_running_pod_has_its_container_removed_and_a_follower_of_its_log_sees_the_lines_then_the_end()
    {
        await _client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "greeting" }, StringData = new Dictionary<string, string> { ["text"] = "hi" } }, Namespace);
        var created = await _client.BatchV1.CreateNamespacedJobAsync(ShellJob("echo \"$GREETING\"; while :; do :; done"), Namespace);
        var pod = await _fake.WaitAsync(() => _fake.PodsOfJob(Namespace, created.Metadata.Name).FirstOrDefault(p => p.Status?.Phase == "Running"), Minute());
        using var stream = await _client.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, Namespace, follow: true, cancellationToken: Minute());
        using var reader = new StreamReader(stream);
        Assert.Equal("hi", await reader.ReadLineAsync(Minute()));

        await _client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, Namespace);
        await _fake.PodContainerRemovedAsync(pod.Metadata.Uid).WaitAsync(Minute());

        Assert.Null(await reader.ReadLineAsync(Minute()));
        Assert.Empty(await ContainersOfPodAsync(pod.Metadata.Name));
    }
}
