using k8s;
using k8s.Models;
using static Flows.Kubernetes.Fake.Tests.TestJobs;

namespace Flows.Kubernetes.Fake.Tests;

/// <summary>Creating objects through the real client: what the server fills in, and what it refuses.</summary>
public sealed class CreateTests
{
    [Fact]
    public async Task Created_job_gets_uid_creation_time_and_a_resource_version_and_its_pod_is_labelled_and_owned()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        var before = fake.ResourceVersion;

        var job = await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);

        Assert.True(Guid.TryParse(job.Metadata.Uid, out var _));
        Assert.Equal(fake.Now.UtcDateTime, job.Metadata.CreationTimestamp);
        Assert.True(long.Parse(job.Metadata.ResourceVersion) > before);
        Assert.Equal(job.Metadata.Uid, job.Spec.Selector.MatchLabels["batch.kubernetes.io/controller-uid"]);
        Assert.Equal(0, job.Spec.BackoffLimit); // what was sent is kept, not defaulted to 6

        var pods = await client.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: "job-name=hello-run");
        var pod = Assert.Single(pods.Items);
        Assert.Matches("^hello-run-[bcdfghjklmnpqrstvwxz2456789]{5}$", pod.Metadata.Name);
        Assert.Equal("hello-run", pod.Metadata.Labels["batch.kubernetes.io/job-name"]);
        Assert.Equal(job.Metadata.Uid, pod.Metadata.Labels["controller-uid"]);
        Assert.Equal(job.Metadata.Uid, pod.Metadata.Labels["batch.kubernetes.io/controller-uid"]);
        // Labels on the Job's own metadata stay there: pods get only the template's (plus the four above).
        Assert.False(pod.Metadata.Labels.ContainsKey("prefect.io/flow-run-id"));
        var owner = Assert.Single(pod.Metadata.OwnerReferences);
        Assert.Equal(("Job", "hello-run", job.Metadata.Uid, true), (owner.Kind, owner.Name, owner.Uid, owner.Controller == true));
        Assert.Equal("Pending", pod.Status.Phase);

        var read = await client.BatchV1.ReadNamespacedJobAsync("hello-run", Namespace);
        Assert.Equal(1, read.Status.Active);
        Assert.True(long.Parse(read.Metadata.ResourceVersion) > long.Parse(pod.Metadata.ResourceVersion));
    }

    [Fact]
    public async Task Parallelism_inside_the_pod_spec_as_Prefects_template_puts_it_is_422_naming_the_field()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        // The typed model cannot express the mistake: send the JSON Prefect's template renders, still through the
        // real client (its untyped CustomObjects call posts any body to /apis/batch/v1/namespaces/{ns}/jobs).
        var json = KubernetesJson.Serialize(Job()).Replace("\"restartPolicy\":\"Never\"", "\"restartPolicy\":\"Never\",\"parallelism\":1,\"completions\":1", StringComparison.Ordinal);
        Assert.Contains("parallelism", json, StringComparison.Ordinal);

        var status = await StatusOfAsync(() => client.CustomObjects.CreateNamespacedCustomObjectAsync(System.Text.Json.Nodes.JsonNode.Parse(json)!, "batch", "v1", Namespace, "jobs"));

        Assert.Equal(422, status.Code);
        Assert.Equal("Invalid", status.Reason);
        Assert.Contains(status.Details.Causes, c => c.Field == "spec.template.spec.parallelism");
        Assert.Contains(status.Details.Causes, c => c.Field == "spec.template.spec.completions");
        Assert.Empty(fake.ListJobs(Namespace));
        Assert.Contains("\"parallelism\":1", Assert.Single(fake.Requests, r => r.Method == "POST").Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrongly_typed_field_is_422()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        var json = KubernetesJson.Serialize(Job()).Replace("\"backoffLimit\":0", "\"backoffLimit\":\"six\"", StringComparison.Ordinal);

        var status = await StatusOfAsync(() => client.CustomObjects.CreateNamespacedCustomObjectAsync(System.Text.Json.Nodes.JsonNode.Parse(json)!, "batch", "v1", Namespace, "jobs"));

        Assert.Equal(422, status.Code);
        Assert.Equal("spec.backoffLimit", Assert.Single(status.Details.Causes).Field);
    }

    [Fact]
    public async Task A_name_that_is_not_DNS_1123_is_422_with_the_API_servers_message()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;

        var status = await StatusOfAsync(() => client.BatchV1.CreateNamespacedJobAsync(Job("Hello_Run"), Namespace));

        Assert.Equal(("Invalid", 422), (status.Reason, status.Code));
        var cause = Assert.Single(status.Details.Causes);
        Assert.Equal(("metadata.name", "FieldValueInvalid"), (cause.Field, cause.Reason));
        Assert.StartsWith("Job.batch \"Hello_Run\" is invalid: metadata.name: Invalid value: \"Hello_Run\": a lowercase RFC 1123 subdomain must consist of", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_name_over_63_characters_fails_on_its_job_name_label()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        var name = new string('a', 64);

        var status = await StatusOfAsync(() => client.BatchV1.CreateNamespacedJobAsync(Job(name), Namespace));

        var cause = Assert.Single(status.Details.Causes);
        Assert.Equal("spec.template.labels", cause.Field);
        Assert.Equal($"Invalid value: \"{name}\": must be no more than 63 characters", cause.Message);
        // 63 is fine.
        await client.BatchV1.CreateNamespacedJobAsync(Job(new string('a', 63)), Namespace);
    }

    [Fact]
    public async Task A_label_value_over_63_characters_is_422()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        var job = Job();
        job.Metadata.Labels["prefect.io/deployment-name"] = new string('x', 64);

        var status = await StatusOfAsync(() => client.BatchV1.CreateNamespacedJobAsync(job, Namespace));

        Assert.Equal("metadata.labels", Assert.Single(status.Details.Causes).Field);
    }

    [Theory]
    [InlineData("Always", "Always")]
    [InlineData(null, "Always")] // defaulted to Always, then refused
    public async Task A_job_restartPolicy_other_than_Never_or_OnFailure_is_422(string? sent, string reported)
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;

        var status = await StatusOfAsync(() => client.BatchV1.CreateNamespacedJobAsync(Job(restartPolicy: sent!), Namespace));

        var cause = Assert.Single(status.Details.Causes);
        Assert.Equal(("spec.template.spec.restartPolicy", "FieldValueNotSupported"), (cause.Field, cause.Reason));
        Assert.Equal($"Unsupported value: \"{reported}\": supported values: \"OnFailure\", \"Never\"", cause.Message);
    }

    [Fact]
    public async Task GenerateName_gets_five_random_lowercase_alphanumerics()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;

        var first = await client.BatchV1.CreateNamespacedJobAsync(Job(name: null, generateName: "hello-"), Namespace);
        var second = await client.BatchV1.CreateNamespacedJobAsync(Job(name: null, generateName: "hello-"), Namespace);

        Assert.Matches("^hello-[a-z0-9]{5}$", first.Metadata.Name);
        Assert.Matches("^hello-[a-z0-9]{5}$", second.Metadata.Name);
        Assert.NotEqual(first.Metadata.Name, second.Metadata.Name);
        Assert.Equal("hello-", first.Metadata.GenerateName);
    }

    [Fact]
    public async Task The_same_name_twice_is_409_AlreadyExists()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);

        var status = await StatusOfAsync(() => client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace));

        Assert.Equal(("AlreadyExists", 409, "jobs.batch \"hello-run\" already exists"), (status.Reason, status.Code, status.Message));
        Assert.Equal(("hello-run", "batch", "jobs"), (status.Details.Name, status.Details.Group, status.Details.Kind));
    }

    [Fact]
    public async Task Creating_in_a_namespace_that_does_not_exist_is_404()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;

        var status = await StatusOfAsync(() => client.BatchV1.CreateNamespacedJobAsync(Job(), "gone"));

        Assert.Equal(("NotFound", 404, "namespaces \"gone\" not found"), (status.Reason, status.Code, status.Message));
    }

    [Fact]
    public async Task A_secret_owned_by_the_job_is_stored_with_stringData_folded_into_data()
    {
        var (fake, client) = await StartAsync();
        await using var _ = fake;
        var job = await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);

        var secret = await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta
            {
                Name = "hello-run-api-key",
                OwnerReferences = [new V1OwnerReference { ApiVersion = "batch/v1", Kind = "Job", Name = job.Metadata.Name, Uid = job.Metadata.Uid }],
            },
            StringData = new Dictionary<string, string> { ["PREFECT_API_KEY"] = "pnu_secret" },
        }, Namespace);

        Assert.Null(secret.StringData);
        Assert.Equal("pnu_secret", System.Text.Encoding.UTF8.GetString(secret.Data["PREFECT_API_KEY"]));
        Assert.Equal("Opaque", secret.Type);
    }
}
