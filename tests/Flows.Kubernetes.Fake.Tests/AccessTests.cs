using k8s;
using k8s.Models;
using static Flows.Kubernetes.Fake.Tests.TestJobs;

namespace Flows.Kubernetes.Fake.Tests;

/// <summary>RBAC refusals, quota refusals and request recording, as a worker would meet them.</summary>
public sealed class AccessTests
{
    [Fact]
    public async Task A_denied_verb_is_403_naming_user_verb_resource_group_and_namespace()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        fake.User = "system:serviceaccount:prefect:prefect-worker";
        fake.DenyAccess("create", "jobs", Namespace);

        var status = await StatusOfAsync(() => client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace));

        Assert.Equal(("Forbidden", 403), (status.Reason, status.Code));
        Assert.Equal("jobs.batch is forbidden: User \"system:serviceaccount:prefect:prefect-worker\" cannot create resource \"jobs\" in API group \"batch\" in the namespace \"prefect\"", status.Message);
        Assert.Empty(fake.ListJobs(Namespace));
        // Other verbs and namespaces are untouched.
        await client.BatchV1.ListNamespacedJobAsync(Namespace);
        await client.BatchV1.CreateNamespacedJobAsync(Job(), "default");
    }

    [Fact]
    public async Task A_denied_subresource_names_it_and_the_object()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        fake.DenyAccess("get", "pods/log");

        var status = await StatusOfAsync(() => client.CoreV1.ReadNamespacedPodLogAsync("p", Namespace));

        Assert.Equal("pods \"p\" is forbidden: User \"system:serviceaccount:prefect:prefect-worker\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"prefect\"", status.Message);
    }

    [Fact]
    public async Task An_exhausted_quota_refuses_the_job_with_exceeded_quota()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        fake.RefuseByQuota(Namespace, "jobs", "prefect-quota", limit: 5);

        var status = await StatusOfAsync(() => client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace));

        Assert.Equal((403, "Forbidden"), (status.Code, status.Reason));
        Assert.Equal("jobs.batch \"hello-run\" is forbidden: exceeded quota: prefect-quota, requested: count/jobs.batch=1, used: count/jobs.batch=5, limited: count/jobs.batch=5", status.Message);
    }

    [Fact]
    public async Task A_pod_quota_leaves_the_job_without_pods_and_says_why_in_a_FailedCreate_event()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        fake.RefuseByQuota(Namespace, "pods");

        await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);

        Assert.Empty(fake.PodsOfJob(Namespace, "hello-run"));
        var events = await client.CoreV1.ListNamespacedEventAsync(Namespace, fieldSelector: "involvedObject.name=hello-run");
        var failed = Assert.Single(events.Items, e => e.Reason == "FailedCreate");
        Assert.Contains("exceeded quota: compute-resources", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_request_is_recorded_with_its_body()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;

        await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);
        await client.BatchV1.ReadNamespacedJobAsync("hello-run", Namespace);

        var create = fake.Requests[0];
        Assert.Equal(("POST", "/apis/batch/v1/namespaces/prefect/jobs"), (create.Method, create.Path));
        Assert.Equal("hello-run", TestJobs.Json(create.Body).GetProperty("metadata").GetProperty("name").GetString());
        Assert.Equal(("GET", "/apis/batch/v1/namespaces/prefect/jobs/hello-run"), (fake.Requests[1].Method, fake.Requests[1].Path));
    }

    [Fact]
    public async Task A_merge_patch_changes_labels_and_a_stale_replace_is_409_Conflict()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        var created = await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);

        var patched = await client.BatchV1.PatchNamespacedJobAsync(
            new V1Patch("{\"metadata\":{\"labels\":{\"extra\":\"yes\"}}}", V1Patch.PatchType.MergePatch), "hello-run", Namespace);
        Assert.Equal("yes", patched.Metadata.Labels["extra"]);

        var status = await StatusOfAsync(() => client.BatchV1.ReplaceNamespacedJobAsync(created, "hello-run", Namespace));
        Assert.Equal((409, "Conflict"), (status.Code, status.Reason));
    }

    [Fact]
    public async Task A_secret_created_first_and_patched_to_be_owned_by_the_job_goes_with_the_job()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "api-key" }, StringData = new Dictionary<string, string> { ["k"] = "v" } }, Namespace);
        var job = await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);

        var owner = $"{{\"metadata\":{{\"ownerReferences\":[{{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"name\":\"hello-run\",\"uid\":\"{job.Metadata.Uid}\"}}]}}}}";
        var patched = await client.CoreV1.PatchNamespacedSecretAsync(new V1Patch(owner, V1Patch.PatchType.StrategicMergePatch), "api-key", Namespace);
        Assert.Equal(job.Metadata.Uid, patched.Metadata.OwnerReferences.Single().Uid);
        Assert.Equal("v", System.Text.Encoding.UTF8.GetString(patched.Data["k"]));

        await client.BatchV1.DeleteNamespacedJobAsync("hello-run", Namespace, propagationPolicy: "Foreground");

        Assert.Empty(fake.ListSecrets(Namespace));
    }

    [Fact]
    public async Task Status_sent_to_the_main_resource_is_ignored_as_the_status_subresource_owns_it()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);

        var patched = await client.BatchV1.PatchNamespacedJobAsync(new V1Patch("{\"status\":{\"succeeded\":1}}", V1Patch.PatchType.MergePatch), "hello-run", Namespace);

        Assert.Null(patched.Status.Succeeded);
        Assert.Equal(1, patched.Status.Active);
    }

    [Fact]
    public async Task Deleting_a_namespace_deletes_what_is_in_it()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);

        await client.CoreV1.DeleteNamespaceAsync(Namespace);

        Assert.Empty(fake.ListJobs(Namespace));
        var status = await StatusOfAsync(() => client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace));
        Assert.Equal(404, status.Code);
    }
}
