using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Api.Models;
using Flows.Server.WorkPools;
using Flows.Workers.Kubernetes;
using Flows.Workers.Rendering;

namespace Flows.Workers.Tests.Kubernetes;

/// <summary>
/// The Job a rendered kubernetes job becomes. The first test goes through the real server and
/// <see cref="FlowWorker.PrepareAsync"/> with the seed's pool and the hello/arthur deployment; the others render the
/// template directly to pin one rule each.
/// </summary>
public sealed class JobManifestBuilderTests : IClassFixture<WorkerFixture>
{
    private static readonly Guid RunId = Guid.Parse("7d3c1c1e-9f9b-4a53-9a47-2d3e1f6b8a10");
    private const string Image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello:abc1234";

    private readonly WorkerFixture _fixture;

    public JobManifestBuilderTests(WorkerFixture fixture) => _fixture = fixture;

    /// <summary>The server's kubernetes template with the seed's defaults (what `work-pool create … --set` writes).</summary>
    public static JsonObject SeedTemplate(Action<JsonObject>? change = null)
    {
        var template = JsonNode.Parse(BaseJobTemplates.ForType("kubernetes")!.Value.GetRawText())!.AsObject();
        var properties = template["variables"]!["properties"]!.AsObject();
        properties["finished_job_ttl"]!["default"] = 60;
        properties["pod_watch_timeout_seconds"]!["default"] = 300;
        properties["namespace"]!["default"] = "prefect";
        change?.Invoke(template);
        return template;
    }

    private static FlowRunJob Job(string jobVariables, JsonObject? template = null, string name = "crimson-otter", IDictionary<string, string>? extraEnvironment = null)
    {
        var configuration = JobConfigurationRenderer.Render(template ?? SeedTemplate(), JsonNode.Parse(jobVariables)!.AsObject(), null);
        configuration["name"] ??= name;
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PREFECT__FLOW_RUN_ID"] = RunId.ToString(),
            ["PREFECT_API_URL"] = "https://api.prefect.cloud/api/accounts/a/workspaces/w",
        };
        foreach (var (key, value) in extraEnvironment ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return new FlowRunJob(RunId, name, configuration, environment, new FlowRunContext { FlowName = "hello", DeploymentName = "arthur", WorkPoolName = "my-k8s-pool" });
    }

    private static JsonObject Container(KubernetesJobPlan plan) => plan.Job["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();

    [Fact]
    public async Task The_seed_pool_and_hello_arthur_render_this_job_field_by_field()
    {
        var pool = "my-k8s-pool-" + Guid.NewGuid().ToString("N")[..6];
        await _fixture.Client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = pool, Type = "kubernetes", BaseJobTemplate = JsonSerializer.SerializeToElement(SeedTemplate()) });
        var workPool = await _fixture.Client.WorkPools.ReadWorkPoolAsync(pool);
        var flow = await _fixture.Client.Flows.CreateFlowAsync(new FlowCreate { Name = "hello" });
        var deployment = await _fixture.Client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "arthur",
            FlowId = flow.Id,
            WorkPoolName = pool,
            Entrypoint = "HelloFlows.cs:hello",
            Parameters = new Dictionary<string, JsonElement> { ["name"] = JsonSerializer.SerializeToElement("Arthur") },
            JobVariables = new Dictionary<string, JsonElement> { ["image"] = JsonSerializer.SerializeToElement(Image) },
        });
        var run = await _fixture.Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id);
        var worker = new FlowWorker(_fixture.Client, new WorkerOptions { WorkPool = pool, Name = "kubernetes-worker-1" }, new NoInfrastructure(), TextWriter.Null);

        var job = await worker.PrepareAsync(workPool, run, CancellationToken.None);
        var plan = JobManifestBuilder.Build(job);

        var manifest = plan.Job;
        Assert.Equal("batch/v1", (string?)manifest["apiVersion"]);
        Assert.Equal("Job", (string?)manifest["kind"]);
        Assert.Equal("prefect", plan.Namespace);
        var metadata = manifest["metadata"]!.AsObject();
        Assert.Equal("prefect", (string?)metadata["namespace"]);
        Assert.Equal(JobManifestBuilder.DnsLabel(run.Name!) + "-", (string?)metadata["generateName"]);
        Assert.Null(metadata["name"]);
        Assert.Null(metadata["annotations"]); // unset {{ annotations }} is removed, not sent as null

        var labels = metadata["labels"]!.AsObject();
        Assert.Equal(run.Id.ToString(), (string?)labels["prefect.io/flow-run-id"]);
        Assert.Equal(run.Name, (string?)labels["prefect.io/flow-run-name"]);
        Assert.Equal(flow.Id.ToString(), (string?)labels["prefect.io/flow-id"]);
        Assert.Equal("hello", (string?)labels["prefect.io/flow-name"]);
        Assert.Equal(deployment.Id.ToString(), (string?)labels["prefect.io/deployment-id"]);
        Assert.Equal("arthur", (string?)labels["prefect.io/deployment-name"]);
        Assert.Equal(workPool.Id.ToString(), (string?)labels["prefect.io/work-pool-id"]);
        Assert.Equal(pool, (string?)labels["prefect.io/work-pool-name"]);
        Assert.Equal("kubernetes-worker-1", (string?)labels["prefect.io/worker-name"]);
        Assert.Equal(9, labels.Count);

        var spec = manifest["spec"]!.AsObject();
        Assert.Equal(0, (int)spec["backoffLimit"]!);
        Assert.Equal(60, (int)spec["ttlSecondsAfterFinished"]!);
        Assert.Equal(1, (int)spec["parallelism"]!);
        Assert.Equal(1, (int)spec["completions"]!);
        Assert.Equal(["backoffLimit", "completions", "parallelism", "template", "ttlSecondsAfterFinished"], spec.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(labels.ToJsonString(), spec["template"]!["metadata"]!["labels"]!.ToJsonString());

        var podSpec = spec["template"]!["spec"]!.AsObject();
        Assert.Equal(["containers", "restartPolicy", "securityContext"], podSpec.Select(p => p.Key).Order(StringComparer.Ordinal)); // no parallelism/completions, no null serviceAccountName
        Assert.Equal("Never", (string?)podSpec["restartPolicy"]);
        Assert.Equal("""{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}}""", podSpec["securityContext"]!.ToJsonString());

        var container = Container(plan);
        Assert.Equal(["env", "image", "imagePullPolicy", "name", "securityContext"], container.Select(p => p.Key).Order(StringComparer.Ordinal)); // no args, no empty resources
        Assert.Equal("""{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}""", container["securityContext"]!.ToJsonString());
        Assert.Equal("prefect-job", (string?)container["name"]);
        Assert.Equal(Image, (string?)container["image"]);
        Assert.Equal("IfNotPresent", (string?)container["imagePullPolicy"]);
        var env = container["env"]!.AsArray().Select(e => ((string)e!["name"]!, (string?)e["value"])).ToList();
        Assert.Equal(
            [("PREFECT__FLOW_RUN_ID", run.Id.ToString()), ("PREFECT_API_URL", _fixture.Client.Options.ApiUrl.ToString())],
            env);
        Assert.Null(plan.ApiKeySecret);

        Assert.Equal(TimeSpan.FromSeconds(300), plan.Settings.PodWatchTimeout);
        Assert.Null(plan.Settings.JobWatchTimeout);
        Assert.True(plan.Settings.StreamOutput);
        Assert.Equal(0, plan.Settings.BackoffLimit);
        Assert.Null(plan.Settings.ClusterConfig);

        // What the client sends must survive the typed model (a misplaced field would be dropped there silently).
        var typed = k8s.KubernetesJson.Deserialize<k8s.Models.V1Job>(manifest.ToJsonString());
        Assert.Equal(JsonNode.Parse(manifest.ToJsonString())!.ToJsonString(), JsonNode.Parse(k8s.KubernetesJson.Serialize(typed))!.ToJsonString(), JsonNodeComparer.Instance);
    }

    [Fact]
    public void Without_an_image_the_job_is_refused_naming_the_job_variable()
    {
        var e = Assert.Throws<KubernetesJobException>(() => JobManifestBuilder.Build(Job("{}")));

        Assert.StartsWith("FLOWS4100:", e.Message, StringComparison.Ordinal);
        Assert.Contains("job_variables.image", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_command_is_split_like_a_shell_into_args()
    {
        var plan = JobManifestBuilder.Build(Job($$"""{ "image": "{{Image}}", "command": "dotnet /app/hello.dll --name 'Ford Prefect'" }"""));

        Assert.Equal(["dotnet", "/app/hello.dll", "--name", "Ford Prefect"], Container(plan)["args"]!.AsArray().Select(a => (string)a!));
    }

    [Fact]
    public void Job_env_precedes_the_template_hard_coded_entries_which_win_on_a_clash()
    {
        var template = SeedTemplate(t =>
        {
            var container = t["job_configuration"]!["job_manifest"]!["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();
            container["env"] = new JsonArray(
                new JsonObject { ["name"] = "PREFECT_API_URL", ["value"] = "http://prefect-server.prefect.svc:4200/api" },
                new JsonObject { ["name"] = "DOTNET_gcServer", ["value"] = "0" });
        });

        var plan = JobManifestBuilder.Build(Job($$"""{ "image": "{{Image}}", "env": { "GREETING": "hi" } }""", template, extraEnvironment: new Dictionary<string, string> { ["GREETING"] = "hi" }));

        var env = Container(plan)["env"]!.AsArray().Select(e => ((string)e!["name"]!, (string?)e["value"])).ToList();
        Assert.Equal(
            [("PREFECT__FLOW_RUN_ID", RunId.ToString()), ("GREETING", "hi"), ("PREFECT_API_URL", "http://prefect-server.prefect.svc:4200/api"), ("DOTNET_gcServer", "0")],
            env);
    }

    [Fact]
    public void Resources_that_are_set_are_kept_and_half_empty_ones_trimmed()
    {
        var plan = JobManifestBuilder.Build(Job($$"""{ "image": "{{Image}}", "memory_limit": "512Mi", "cpu_request": "250m" }"""));

        Assert.Equal("""{"limits":{"memory":"512Mi"},"requests":{"cpu":"250m"}}""", Container(plan)["resources"]!.ToJsonString());
    }

    [Fact]
    public void Generate_name_is_dns_safe_and_leaves_room_for_the_suffix()
    {
        var longName = "The Quick_Brown.Fox " + new string('x', 80);

        var plan = JobManifestBuilder.Build(Job($$"""{ "image": "{{Image}}", "name": "{{longName}}" }"""));

        var generateName = (string)plan.Job["metadata"]!["generateName"]!;
        Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?-$", generateName);
        Assert.Equal(63, generateName.Length + 5);
        Assert.StartsWith("the-quick-brown-fox-xxx", generateName, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("crimson otter", "crimson-otter")]
    [InlineData("-_.edge._-", "edge")]
    [InlineData("ünïcode name", "n-code-name")]
    public void Label_values_are_sanitised(string value, string expected) =>
        Assert.Equal(expected, JobManifestBuilder.LabelValue(value));

    [Fact]
    public void Long_label_values_are_cut_to_63_with_alphanumeric_ends()
    {
        var value = JobManifestBuilder.LabelValue(new string('a', 62) + "-" + "bbbb");

        Assert.Equal(new string('a', 62), value);
    }

    [Fact]
    public void The_job_labels_variable_is_added_and_sanitised_on_job_and_pod()
    {
        var plan = JobManifestBuilder.Build(Job($$"""{ "image": "{{Image}}", "labels": { "team": "data eng", "app.kubernetes.io/part-of": "flows" } }"""));

        foreach (var labels in new[] { plan.Job["metadata"]!["labels"]!, plan.Job["spec"]!["template"]!["metadata"]!["labels"]! })
        {
            Assert.Equal("data-eng", (string?)labels["team"]);
            Assert.Equal("flows", (string?)labels["app.kubernetes.io/part-of"]);
            Assert.Equal("hello", (string?)labels["prefect.io/flow-name"]);
            Assert.Equal("my-k8s-pool", (string?)labels["prefect.io/work-pool-name"]);
        }
    }

    [Fact]
    public void With_api_key_secret_the_key_goes_into_a_secret_and_env_refers_to_it()
    {
        var template = SeedTemplate(t =>
        {
            t["job_configuration"]!["api_key_secret"] = "{{ api_key_secret }}";
            t["variables"]!["properties"]!["api_key_secret"] = new JsonObject { ["type"] = "boolean", ["default"] = false };
        });

        var plan = JobManifestBuilder.Build(Job($$"""{ "image": "{{Image}}", "api_key_secret": true }""", template, extraEnvironment: new Dictionary<string, string> { ["PREFECT_API_KEY"] = "pnu_secret" }));

        var secret = plan.ApiKeySecret!;
        Assert.Equal(JobManifestBuilder.ApiKeySecretName(RunId), (string?)secret["metadata"]!["name"]);
        Assert.Equal("prefect", (string?)secret["metadata"]!["namespace"]);
        Assert.Equal("pnu_secret", (string?)secret["stringData"]!["PREFECT_API_KEY"]);
        var entry = Container(plan)["env"]!.AsArray().Single(e => (string?)e!["name"] == "PREFECT_API_KEY")!;
        Assert.Null(entry["value"]);
        Assert.Equal(JobManifestBuilder.ApiKeySecretName(RunId), (string?)entry["valueFrom"]!["secretKeyRef"]!["name"]);
        Assert.DoesNotContain("pnu_secret", plan.Job.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void By_default_the_key_goes_into_a_secret_per_run_and_never_into_the_job()
    {
        var plan = JobManifestBuilder.Build(Job($$"""{ "image": "{{Image}}" }""", extraEnvironment: new Dictionary<string, string> { ["PREFECT_API_KEY"] = "pnu_secret" }));

        Assert.Equal("pnu_secret", (string?)plan.ApiKeySecret!["stringData"]!["PREFECT_API_KEY"]);
        var entry = Container(plan)["env"]!.AsArray().Single(e => (string?)e!["name"] == "PREFECT_API_KEY")!;
        Assert.Equal(JobManifestBuilder.ApiKeySecretName(RunId), (string?)entry["valueFrom"]!["secretKeyRef"]!["name"]);
        Assert.DoesNotContain("pnu_secret", plan.Job.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void With_an_existing_secret_named_the_pod_reads_the_key_from_it_and_no_secret_is_created()
    {
        var settings = new Dictionary<string, string?> { [ApiKeyPlacement.SecretNameVariable] = "flows-api-key", [ApiKeyPlacement.SecretKeyVariable] = "key" };
        var placement = ApiKeyPlacement.FromEnvironment(name => settings.GetValueOrDefault(name));

        var plan = JobManifestBuilder.Build(Job($$"""{ "image": "{{Image}}" }""", extraEnvironment: new Dictionary<string, string> { ["PREFECT_API_KEY"] = "pnu_secret" }), placement);

        Assert.Null(plan.ApiKeySecret);
        var entry = Container(plan)["env"]!.AsArray().Single(e => (string?)e!["name"] == "PREFECT_API_KEY")!;
        Assert.Equal("flows-api-key", (string?)entry["valueFrom"]!["secretKeyRef"]!["name"]);
        Assert.Equal("key", (string?)entry["valueFrom"]!["secretKeyRef"]!["key"]);
        Assert.DoesNotContain("pnu_secret", plan.Job.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Only_an_explicit_opt_out_puts_the_key_in_plain_env_as_prefect_does_and_a_pool_asking_for_a_secret_still_gets_one()
    {
        var placement = ApiKeyPlacement.FromEnvironment(name => name == ApiKeyPlacement.CreateSecretVariable ? "false" : null);
        var plain = JobManifestBuilder.Build(Job($$"""{ "image": "{{Image}}" }""", extraEnvironment: new Dictionary<string, string> { ["PREFECT_API_KEY"] = "pnu_secret" }), placement);
        var template = SeedTemplate(t =>
        {
            t["job_configuration"]!["api_key_secret"] = "{{ api_key_secret }}";
            t["variables"]!["properties"]!["api_key_secret"] = new JsonObject { ["type"] = "boolean", ["default"] = true };
        });
        var asked = JobManifestBuilder.Build(Job($$"""{ "image": "{{Image}}" }""", template, extraEnvironment: new Dictionary<string, string> { ["PREFECT_API_KEY"] = "pnu_secret" }), placement);

        Assert.Null(plain.ApiKeySecret);
        Assert.Contains(Container(plain)["env"]!.AsArray(), e => (string?)e!["name"] == "PREFECT_API_KEY" && (string?)e["value"] == "pnu_secret");
        Assert.NotNull(asked.ApiKeySecret);
        Assert.DoesNotContain("pnu_secret", asked.Job.ToJsonString(), StringComparison.Ordinal);
        Assert.Throws<KubernetesJobException>(() => ApiKeyPlacement.FromEnvironment(name => name == ApiKeyPlacement.CreateSecretVariable ? "sometimes" : null));
    }

    [Fact]
    public void Watch_settings_come_from_the_configuration()
    {
        var plan = JobManifestBuilder.Build(Job($$"""{ "image": "{{Image}}", "job_watch_timeout_seconds": 30, "stream_output": false, "backoff_limit": 2, "namespace": "batch" }"""));

        Assert.Equal(TimeSpan.FromSeconds(30), plan.Settings.JobWatchTimeout);
        Assert.False(plan.Settings.StreamOutput);
        Assert.Equal(2, plan.Settings.BackoffLimit);
        Assert.Equal("batch", plan.Namespace);
        Assert.Equal("batch", (string?)plan.Job["metadata"]!["namespace"]);
    }

    private sealed class NoInfrastructure : IFlowRunInfrastructure
    {
        public string Type => "kubernetes";

        public Task<InfrastructureResult> RunAsync(FlowRunJob job, Func<string, Task> started, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("not used: the test only prepares the job");
    }

    /// <summary>Compares JSON texts by their parsed content (property order and number formatting aside).</summary>
    private sealed class JsonNodeComparer : IEqualityComparer<string>
    {
        public static readonly JsonNodeComparer Instance = new();

        public bool Equals(string? x, string? y) => JsonNode.DeepEquals(JsonNode.Parse(x!), JsonNode.Parse(y!));

        public int GetHashCode(string obj) => 0;
    }
}
