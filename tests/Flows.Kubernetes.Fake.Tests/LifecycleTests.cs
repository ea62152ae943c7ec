using System.Text;
using k8s;
using k8s.Models;
using static Flows.Kubernetes.Fake.Tests.TestJobs;

namespace Flows.Kubernetes.Fake.Tests;

/// <summary>The test-driven job controller, pod logs, deletion and the TTL controller, observed through the client.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task Following_a_pods_log_streams_appended_lines_and_ends_when_the_pod_succeeds()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);
        var pod = fake.PodsOfJob(Namespace, "hello-run").Single().Metadata.Name;
        fake.SetPodRunning(Namespace, pod);
        fake.AppendPodLog(Namespace, pod, "Hello, marvin!");

        var cancellation = Bounded();
        await using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(pod, Namespace, follow: true, cancellationToken: cancellation);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        Assert.Equal("Hello, marvin!", await reader.ReadLineAsync(cancellation));
        fake.AppendPodLog(Namespace, pod, "Finished in state Completed()");
        Assert.Equal("Finished in state Completed()", await reader.ReadLineAsync(cancellation));
        fake.AppendPodLog(Namespace, pod, "last words");
        fake.SucceedPod(Namespace, pod);

        Assert.Equal("last words", await reader.ReadLineAsync(cancellation));
        Assert.Null(await reader.ReadLineAsync(cancellation)); // the stream ended with the pod
    }

    [Fact]
    public async Task Logs_of_a_pod_still_pulling_its_image_are_400_with_the_waiting_reason()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);
        var pod = fake.PodsOfJob(Namespace, "hello-run").Single().Metadata.Name;
        fake.SetPodWaiting(Namespace, pod, "ImagePullBackOff");

        var status = await StatusOfAsync(() => client.CoreV1.ReadNamespacedPodLogAsync(pod, Namespace));

        Assert.Equal((400, $"container \"prefect-job\" in pod \"{pod}\" is waiting to start: ImagePullBackOff"), (status.Code, status.Message));
    }

    [Fact]
    public async Task A_succeeded_pod_completes_its_job()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);
        var pod = fake.PodsOfJob(Namespace, "hello-run").Single().Metadata.Name;
        fake.SetPodRunning(Namespace, pod);
        Assert.Equal((1, 1), ((await client.BatchV1.ReadNamespacedJobAsync("hello-run", Namespace)).Status.Active, (await client.BatchV1.ReadNamespacedJobAsync("hello-run", Namespace)).Status.Ready));

        fake.SucceedPod(Namespace, pod);

        var job = await client.BatchV1.ReadNamespacedJobAsync("hello-run", Namespace);
        Assert.Equal((1, 0), (job.Status.Succeeded, job.Status.Active));
        Assert.Contains(job.Status.Conditions, c => c.Type == "Complete" && c.Status == "True");
        Assert.NotNull(job.Status.CompletionTime);
        var terminated = (await client.CoreV1.ReadNamespacedPodAsync(pod, Namespace)).Status.ContainerStatuses.Single().State.Terminated;
        Assert.Equal((0, "Completed"), (terminated.ExitCode, terminated.Reason));
    }

    [Fact]
    public async Task An_OOMKilled_pod_fails_the_job_at_backoffLimit_0()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);
        var pod = fake.PodsOfJob(Namespace, "hello-run").Single().Metadata.Name;
        fake.SetPodRunning(Namespace, pod);

        fake.OomKillPod(Namespace, pod);

        var read = await client.CoreV1.ReadNamespacedPodAsync(pod, Namespace);
        Assert.Equal("Failed", read.Status.Phase);
        Assert.Equal((137, "OOMKilled"), (read.Status.ContainerStatuses[0].State.Terminated.ExitCode, read.Status.ContainerStatuses[0].State.Terminated.Reason));
        var job = await client.BatchV1.ReadNamespacedJobAsync("hello-run", Namespace);
        Assert.Contains(job.Status.Conditions, c => c.Type == "Failed" && c.Reason == "BackoffLimitExceeded");
        Assert.Single(fake.PodsOfJob(Namespace, "hello-run")); // no replacement past the limit
    }

    [Fact]
    public async Task A_failed_pod_within_backoffLimit_is_replaced_by_a_new_pod()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        var job = Job();
        job.Spec.BackoffLimit = 1;
        await client.BatchV1.CreateNamespacedJobAsync(job, Namespace);
        var first = fake.PodsOfJob(Namespace, "hello-run").Single().Metadata.Name;

        fake.EvictPod(Namespace, first);

        var evicted = await client.CoreV1.ReadNamespacedPodAsync(first, Namespace);
        Assert.Equal(("Failed", "Evicted"), (evicted.Status.Phase, evicted.Status.Reason));
        var pods = fake.PodsOfJob(Namespace, "hello-run");
        Assert.Equal(2, pods.Count);
        Assert.Equal("Pending", pods.Single(p => p.Metadata.Name != first).Status.Phase);
        Assert.Equal(1, (await client.BatchV1.ReadNamespacedJobAsync("hello-run", Namespace)).Status.Failed);
        var events = await client.CoreV1.ListNamespacedEventAsync(Namespace, fieldSelector: $"involvedObject.name={first}");
        Assert.Contains(events.Items, e => e.Reason == "Evicted" && e.Type == "Warning");
    }

    [Theory]
    [InlineData("ImagePullBackOff")]
    [InlineData("ErrImagePull")]
    [InlineData("CreateContainerConfigError")]
    public async Task A_waiting_container_reports_its_reason_while_the_pod_stays_Pending(string reason)
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);
        var pod = fake.PodsOfJob(Namespace, "hello-run").Single().Metadata.Name;

        fake.SetPodWaiting(Namespace, pod, reason);

        var read = await client.CoreV1.ReadNamespacedPodAsync(pod, Namespace);
        Assert.Equal("Pending", read.Status.Phase);
        Assert.Equal(reason, read.Status.ContainerStatuses.Single().State.Waiting.Reason);
    }

    [Fact]
    public async Task An_unschedulable_pod_has_PodScheduled_False_and_a_FailedScheduling_event()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);
        var pod = fake.PodsOfJob(Namespace, "hello-run").Single().Metadata.Name;

        fake.SetPodUnschedulable(Namespace, pod);

        var condition = (await client.CoreV1.ReadNamespacedPodAsync(pod, Namespace)).Status.Conditions.Single();
        Assert.Equal(("PodScheduled", "False", "Unschedulable"), (condition.Type, condition.Status, condition.Reason));
        var events = await client.CoreV1.ListNamespacedEventAsync(Namespace);
        Assert.Contains(events.Items, e => e.Reason == "FailedScheduling" && e.InvolvedObject.Name == pod);
    }

    [Theory]
    [InlineData("Background")]
    [InlineData("Foreground")]
    public async Task Deleting_a_job_with_a_propagation_policy_deletes_its_pods_and_owned_secret(string policy)
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        var job = await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "api-key", OwnerReferences = [new V1OwnerReference { ApiVersion = "batch/v1", Kind = "Job", Name = "hello-run", Uid = job.Metadata.Uid }] },
            StringData = new Dictionary<string, string> { ["key"] = "v" },
        }, Namespace);

        await client.BatchV1.DeleteNamespacedJobAsync("hello-run", Namespace, propagationPolicy: policy);

        Assert.Empty(fake.ListJobs(Namespace));
        Assert.Empty((await client.CoreV1.ListNamespacedPodAsync(Namespace)).Items);
        Assert.Empty(fake.ListSecrets(Namespace));
        Assert.Equal(policy, fake.Requests.Last(r => r.Method == "DELETE").QueryValue("propagationPolicy"));
    }

    [Fact]
    public async Task A_propagation_policy_in_the_DeleteOptions_body_counts_as_in_the_query()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);

        await client.BatchV1.DeleteNamespacedJobAsync("hello-run", Namespace, new V1DeleteOptions { PropagationPolicy = "Background" });

        Assert.Empty((await client.CoreV1.ListNamespacedPodAsync(Namespace)).Items);
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_is_400()
    {
        var (fake, _) = await StartAsync();
        await using var __ = fake;
        using var http = new HttpClient();

        using var response = await http.PostAsync($"{fake.Url}/apis/batch/v1/namespaces/{Namespace}/jobs", new StringContent("{not json", Encoding.UTF8, "application/json"));

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("BadRequest", KubernetesJson.Deserialize<V1Status>(await response.Content.ReadAsStringAsync()).Reason);
    }

    [Fact]
    public async Task Deleting_a_job_without_a_propagation_policy_orphans_its_pods()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);

        await client.BatchV1.DeleteNamespacedJobAsync("hello-run", Namespace);

        Assert.Empty(fake.ListJobs(Namespace));
        var orphan = Assert.Single((await client.CoreV1.ListNamespacedPodAsync(Namespace)).Items);
        Assert.Null(orphan.Metadata.OwnerReferences);
        Assert.Equal("hello-run", orphan.Metadata.Labels["job-name"]);
    }

    [Fact]
    public async Task Deleting_what_does_not_exist_is_404()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;

        var status = await StatusOfAsync(() => client.BatchV1.DeleteNamespacedJobAsync("nope", Namespace, propagationPolicy: "Background"));

        Assert.Equal((404, "NotFound", "jobs.batch \"nope\" not found"), (status.Code, status.Reason, status.Message));
    }

    [Fact]
    public async Task A_finished_job_is_deleted_with_its_pods_once_ttlSecondsAfterFinished_passes_on_the_test_clock()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        await client.BatchV1.CreateNamespacedJobAsync(Job(ttl: 60), Namespace);
        var pod = fake.PodsOfJob(Namespace, "hello-run").Single().Metadata.Name;
        fake.SetPodRunning(Namespace, pod);
        fake.SucceedPod(Namespace, pod);

        fake.AdvanceClock(TimeSpan.FromSeconds(59));
        Assert.NotNull(fake.GetJob(Namespace, "hello-run"));

        fake.AdvanceClock(TimeSpan.FromSeconds(1));
        Assert.Null(fake.GetJob(Namespace, "hello-run"));
        Assert.Empty((await client.CoreV1.ListNamespacedPodAsync(Namespace)).Items);
    }

    [Fact]
    public async Task A_running_job_is_not_collected_however_far_the_clock_moves()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        await client.BatchV1.CreateNamespacedJobAsync(Job(ttl: 0), Namespace);

        fake.AdvanceClock(TimeSpan.FromDays(1));

        Assert.NotNull(fake.GetJob(Namespace, "hello-run"));
    }
}
