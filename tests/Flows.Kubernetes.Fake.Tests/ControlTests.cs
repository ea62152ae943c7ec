using k8s;
using k8s.Models;
using static Flows.Kubernetes.Fake.Tests.TestJobs;

namespace Flows.Kubernetes.Fake.Tests;

/// <summary>The fake's own API as the worker's tests will use it: waiting for what a worker created, TTL 0, events.</summary>
public sealed class ControlTests
{
    [Fact]
    public async Task WaitForJobAsync_and_WaitForJobPodAsync_return_what_a_concurrent_client_created()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        var cancellation = Bounded();

        var waiting = fake.WaitForJobAsync(Namespace, j => j.Metadata.Name.StartsWith("hello-", StringComparison.Ordinal), cancellation);
        Assert.False(waiting.IsCompleted);
        var created = await client.BatchV1.CreateNamespacedJobAsync(Job(name: null, generateName: "hello-"), Namespace, cancellationToken: cancellation);
        var job = await waiting;
        var pod = await fake.WaitForJobPodAsync(Namespace, job.Metadata.Name, cancellation);

        Assert.Equal(created.Metadata.Uid, job.Metadata.Uid);
        Assert.Equal(job.Metadata.Uid, pod.Metadata.OwnerReferences.Single().Uid);
    }

    [Fact]
    public async Task PodsOfJob_is_in_creation_order_whatever_changed_since()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        var job = Job();
        job.Spec.Parallelism = 2;
        job.Spec.Completions = 2;
        await client.BatchV1.CreateNamespacedJobAsync(job, Namespace);
        var before = fake.PodsOfJob(Namespace, "hello-run").Select(p => p.Metadata.Name).ToList();
        Assert.Equal(2, before.Count);

        fake.SetPodRunning(Namespace, before[0]);

        Assert.Equal(before, fake.PodsOfJob(Namespace, "hello-run").Select(p => p.Metadata.Name));
    }

    [Fact]
    public async Task A_dry_run_create_answers_the_object_and_stores_nothing()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;

        var job = await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace, dryRun: "All");
        var status = await StatusOfAsync(() => client.BatchV1.CreateNamespacedJobAsync(Job(), "gone", dryRun: "All"));

        Assert.Equal("hello-run", job.Metadata.Name);
        Assert.Empty(fake.ListJobs(Namespace));
        Assert.Equal(404, status.Code);
    }

    [Fact]
    public async Task A_job_with_ttl_0_is_deleted_as_soon_as_it_finishes()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        await client.BatchV1.CreateNamespacedJobAsync(Job(ttl: 0), Namespace);
        var pod = fake.PodsOfJob(Namespace, "hello-run").Single().Metadata.Name;

        fake.FailPod(Namespace, pod, exitCode: 2);

        Assert.Null(fake.GetJob(Namespace, "hello-run"));
        Assert.Null(fake.GetPod(Namespace, pod));
    }

    [Fact]
    public async Task Watching_events_sees_the_controllers_SuccessfulCreate_for_the_job()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        var rv = (await client.CoreV1.ListNamespacedEventAsync(Namespace)).Metadata.ResourceVersion;
        await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);

        Corev1Event? seen = null;
        await foreach (var (type, e) in client.CoreV1.WatchListNamespacedEventAsync(Namespace, resourceVersion: rv, fieldSelector: "involvedObject.kind=Job", cancellationToken: Bounded()))
        {
            seen = e;
            break;
        }

        Assert.NotNull(seen);
        Assert.Equal(("SuccessfulCreate", "Normal", "hello-run"), (seen.Reason, seen.Type, seen.InvolvedObject.Name));
        Assert.StartsWith("Created pod: hello-run-", seen.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_watch_sees_the_job_added_then_modified_as_its_pod_runs_and_succeeds()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        var rv = (await client.BatchV1.ListNamespacedJobAsync(Namespace)).Metadata.ResourceVersion;
        await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);
        var pod = fake.PodsOfJob(Namespace, "hello-run").Single().Metadata.Name;
        fake.SetPodRunning(Namespace, pod);
        fake.SucceedPod(Namespace, pod);

        var seen = new List<(WatchEventType, int?, int?)>();
        await foreach (var (type, job) in client.BatchV1.WatchListNamespacedJobAsync(Namespace, resourceVersion: rv, cancellationToken: Bounded()))
        {
            seen.Add((type, job.Status?.Active, job.Status?.Succeeded));
            if (job.Status?.Conditions?.Any(c => c.Type == "Complete") == true)
            {
                break;
            }
        }

        Assert.Equal((WatchEventType.Added, (int?)null, (int?)null), seen[0]);
        Assert.Contains((WatchEventType.Modified, (int?)1, (int?)null), seen);
        Assert.Equal((WatchEventType.Modified, (int?)0, (int?)1), seen[^1]);
    }

    [Theory]
    [InlineData("job-name=a", true)]
    [InlineData("job-name==a", true)]
    [InlineData("job-name!=a", false)]
    [InlineData("job-name in (b, a)", true)]
    [InlineData("job-name notin (a)", false)]
    [InlineData("tier", false)]
    [InlineData("!tier", true)]
    [InlineData("job-name=a,!tier,app in (x)", true)]
    [InlineData("", true)]
    public void Label_selectors_follow_the_API_servers_grammar(string selector, bool matches)
    {
        var labels = new Dictionary<string, string> { ["job-name"] = "a", ["app"] = "x" };

        Assert.Equal(matches, LabelSelector.Parse(selector).Matches(labels));
    }

    [Fact]
    public async Task Configmaps_and_serviceaccounts_are_served_and_schema_checked()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;

        var map = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "settings" }, Data = new Dictionary<string, string> { ["a"] = "1" } }, Namespace);
        var account = await client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "prefect-worker" } }, Namespace);
        // Core resources have no untyped call in the client: post the misspelt field with the client's own HttpClient.
        using var response = await client.HttpClient.PostAsync(new Uri(client.BaseUri, $"api/v1/namespaces/{Namespace}/configmaps"),
            new StringContent("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"},\"datum\":{}}", System.Text.Encoding.UTF8, "application/json"));
        var status = KubernetesJson.Deserialize<V1Status>(await response.Content.ReadAsStringAsync());

        Assert.Equal("1", (await client.CoreV1.ReadNamespacedConfigMapAsync("settings", Namespace)).Data["a"]);
        Assert.NotNull(map.Metadata.Uid);
        Assert.Equal("prefect-worker", (await client.CoreV1.ListNamespacedServiceAccountAsync(Namespace)).Items.Single().Metadata.Name);
        Assert.NotNull(account.Metadata.ResourceVersion);
        Assert.Equal(("datum", 422), (status.Details.Causes.Single().Field, status.Code));
    }

    [Fact]
    public async Task A_pod_a_client_creates_is_validated_and_defaulted_too()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;

        var pod = await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { GenerateName = "debug-" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        }, Namespace);

        Assert.Equal(("Always", "Always", "Pending"), (pod.Spec.RestartPolicy, pod.Spec.Containers[0].ImagePullPolicy, pod.Status.Phase));
    }
}
