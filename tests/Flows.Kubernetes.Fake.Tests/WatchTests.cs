using k8s;
using k8s.Autorest;
using k8s.Models;
using static Flows.Kubernetes.Fake.Tests.TestJobs;

namespace Flows.Kubernetes.Fake.Tests;

/// <summary>Watches through the client's WatchListNamespaced…Async, as the worker will consume them.</summary>
public sealed class WatchTests
{
    [Fact]
    public async Task Watching_pods_by_label_from_a_resourceVersion_sees_added_modified_deleted_in_order()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        var list = await client.CoreV1.ListNamespacedPodAsync(Namespace);
        // A pod of another job: the selector must keep it out.
        await client.BatchV1.CreateNamespacedJobAsync(Job("other-run"), Namespace);

        var events = new List<(WatchEventType Type, string Name, string? Phase)>();
        var cancellation = Bounded();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, pod) in client.CoreV1.WatchListNamespacedPodAsync(Namespace, labelSelector: "job-name=hello-run",
                resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cancellation))
            {
                events.Add((type, pod.Metadata.Name, pod.Status?.Phase));
                if (type == WatchEventType.Deleted)
                {
                    break;
                }
            }
        }, cancellation);

        await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);
        var pod = fake.PodsOfJob(Namespace, "hello-run").Single().Metadata.Name;
        fake.SetPodRunning(Namespace, pod);
        await client.BatchV1.DeleteNamespacedJobAsync("hello-run", Namespace, propagationPolicy: "Background");
        await watching;

        Assert.Equal(
            [(WatchEventType.Added, pod, "Pending"), (WatchEventType.Modified, pod, "Running"), (WatchEventType.Deleted, pod, "Running")],
            events);
    }

    [Fact]
    public async Task Set_based_selectors_and_fieldSelector_on_metadata_name_filter_the_list()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        await client.BatchV1.CreateNamespacedJobAsync(Job("a-run"), Namespace);
        await client.BatchV1.CreateNamespacedJobAsync(Job("b-run"), Namespace);
        await client.BatchV1.CreateNamespacedJobAsync(Job("c-run"), Namespace);

        var inSet = await client.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: "job-name in (a-run, c-run),controller-uid");
        var notIn = await client.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: "job-name notin (a-run),!missing");
        var byName = await client.BatchV1.ListNamespacedJobAsync(Namespace, fieldSelector: "metadata.name=b-run");

        Assert.Equal(["a-run", "c-run"], inSet.Items.Select(p => p.Metadata.Labels["job-name"]));
        Assert.Equal(["b-run", "c-run"], notIn.Items.Select(p => p.Metadata.Labels["job-name"]));
        Assert.Equal("b-run", Assert.Single(byName.Items).Metadata.Name);
    }

    [Fact]
    public async Task A_resourceVersion_older_than_the_history_is_410_Gone_and_reaches_only_onError()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        var old = (await client.CoreV1.ListNamespacedPodAsync(Namespace)).Metadata.ResourceVersion;
        await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);
        fake.CompactWatchHistory();

        var errors = new List<Exception>();
        var events = 0;
        await foreach (var ignored in client.CoreV1.WatchListNamespacedPodAsync(Namespace, resourceVersion: old, onError: errors.Add, cancellationToken: Bounded()))
        {
            events++;
        }

        Assert.Equal(0, events);
        var error = Assert.IsType<KubernetesException>(Assert.Single(errors));
        Assert.Equal((410, "Expired"), (error.Status.Code, error.Status.Reason));
        Assert.StartsWith($"too old resource version: {old} (", error.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bounded_history_forgets_old_changes_by_itself()
    {
        await using var fake = await FakeKubernetesApiServer.StartAsync(["prefect"], watchHistory: 3);
        var client = fake.CreateClient();
        var old = (await client.CoreV1.ListNamespacedPodAsync(Namespace)).Metadata.ResourceVersion;
        for (var i = 0; i < 3; i++)
        {
            await client.BatchV1.CreateNamespacedJobAsync(Job($"run-{i}"), Namespace);
        }

        var errors = new List<Exception>();
        await foreach (var ignored in client.CoreV1.WatchListNamespacedPodAsync(Namespace, resourceVersion: old, onError: errors.Add, cancellationToken: Bounded()))
        {
        }

        Assert.Equal(410, Assert.IsType<KubernetesException>(Assert.Single(errors)).Status.Code);
    }

    [Fact]
    public async Task Without_a_resourceVersion_a_watch_starts_with_what_exists_and_ends_at_timeoutSeconds()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);

        var seen = new List<(WatchEventType, string)>();
        await foreach (var (type, job) in client.BatchV1.WatchListNamespacedJobAsync(Namespace, timeoutSeconds: 1, cancellationToken: Bounded()))
        {
            seen.Add((type, job.Metadata.Name));
        }

        Assert.Equal([(WatchEventType.Added, "hello-run")], seen);
    }

    [Fact]
    public async Task Bookmarks_come_only_when_allowed()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        var rv = (await client.CoreV1.ListNamespacedPodAsync(Namespace)).Metadata.ResourceVersion;
        var cancellation = Bounded();
        var withBookmarks = Task.Run(async () =>
        {
            await foreach (var (type, pod) in client.CoreV1.WatchListNamespacedPodAsync(Namespace, resourceVersion: rv, allowWatchBookmarks: true, cancellationToken: cancellation))
            {
                return (type, pod.Metadata.ResourceVersion);
            }

            return default;
        }, cancellation);
        var without = new List<WatchEventType>();
        var withoutTask = Task.Run(async () =>
        {
            // A watch that times out having sent nothing is an empty body, as the real server sends; KubernetesClient
            // then throws "Error while copying content to a stream" (kubernetes-client/csharp#893): the worker's
            // watch loop has to treat that as "closed, re-watch".
            await Assert.ThrowsAsync<HttpRequestException>(async () =>
            {
                await foreach (var (type, _) in client.CoreV1.WatchListNamespacedPodAsync(Namespace, resourceVersion: rv, timeoutSeconds: 2, cancellationToken: cancellation))
                {
                    without.Add(type);
                }
            });
        }, cancellation);

        // Both watches must be open before the bookmark goes out.
        while (fake.OpenWatches < 2)
        {
            await Task.Delay(10, cancellation);
        }

        fake.SendBookmarks();

        var (bookmarkType, bookmarkVersion) = await withBookmarks;
        await withoutTask;
        Assert.Equal(WatchEventType.Bookmark, bookmarkType);
        Assert.Equal(fake.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), bookmarkVersion);
        Assert.Empty(without);
    }
}
