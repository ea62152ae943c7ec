using System.Text.Json.Nodes;
using Flows.Api.Models;
using Flows.Server.WorkPools;
using k8s;
using k8s.Models;

namespace Flows.Workers.Tests.Kubernetes.Node;

/// <summary>
/// Our image under Prefect's own Kubernetes worker: the test plays that worker (prefect-kubernetes,
/// <c>KubernetesWorkerJobConfiguration.prepare_for_flow_run</c>) for our hello/arthur deployment on the seed's pool,
/// and creates the Job it would: Prefect's base job template with the run's values, <c>command</c> unset so
/// <c>args</c> = <c>prefect flow-run execute</c> (the image's entrypoint, our app, receives them), the environment as
/// an env list, slugified labels, generateName from the run's name. It is created with the worker chart's service
/// account, and the fake's Docker node runs it. Only the worker differs from production.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class PrefectKubernetesWorkerJobTests
{
    private const string Namespace = NodeFixture.Namespace;

    private readonly NodeFixture _fixture;

    public PrefectKubernetesWorkerJobTests(NodeFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task The_job_prefects_kubernetes_worker_renders_from_its_base_template_runs_our_image_to_completed()
    {
        await using var cluster = await _fixture.StartClusterAsync();
        var token = NodeFixture.InstallWorkerChart(cluster);
        var pool = "prefect-k8s-" + Guid.NewGuid().ToString("N")[..8];
        await _fixture.CreateSeedPoolAsync(pool);
        var deploymentId = await _fixture.DeployAsync(pool, "hello", "arthur", "HelloFlows.cs:hello", _fixture.HelloImage, """{ "name": "Arthur" }""");
        var run = await _fixture.Client.Deployments.CreateFlowRunFromDeploymentAsync(deploymentId);

        // Prefect's worker proposes Pending before it submits the run to its infrastructure.
        Assert.Equal(SetStateStatus.Accept, (await _fixture.Client.FlowRuns.SetFlowRunStateAsync(run.Id, new StateCreate { Type = StateType.Pending })).Status);
        var job = PrefectJob(run, deploymentId, pool);
        Assert.Equal(["prefect", "flow-run", "execute"], job["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => (string?)a));
        var created = await cluster.CreateClient(token).BatchV1.CreateNamespacedJobAsync(KubernetesJson.Deserialize<V1Job>(job.ToJsonString()), Namespace);

        var finished = await _fixture.WaitAsync(run.Id, WorkerFixture.IsFinal);
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var complete = await cluster.WaitAsync(() => cluster.GetJob(Namespace, created.Metadata.Name) is { } j && j.Status.Conditions?.Any(c => c.Type is "Complete" or "Failed") == true ? j : null, limit.Token);
        var pod = cluster.PodsOfJob(Namespace, created.Metadata.Name).Single();
        using var log = new StreamReader(await cluster.CreateClient().CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, Namespace, cancellationToken: limit.Token));
        var podLog = await log.ReadToEndAsync(limit.Token);

        Assert.True(finished.StateType == StateType.Completed, $"{finished.StateType}: {finished.State?.Message}\n{podLog}");
        Assert.Contains(complete.Status.Conditions, c => c.Type == "Complete");
        Assert.Equal(0, pod.Status.ContainerStatuses[0].State.Terminated.ExitCode);
        Assert.Contains("Hello, Arthur!", await _fixture.LogsAsync(run.Id));
        Assert.Empty(cluster.Refusals);
    }

    /// <summary>Prefect's base job template (the copy our server serves, equal to Prefect's) rendered as its worker does.</summary>
    private JsonObject PrefectJob(FlowRun run, Guid deploymentId, string pool)
    {
        var template = JsonNode.Parse(BaseJobTemplates.ForType("kubernetes")!.Value.GetRawText())!["job_configuration"]!["job_manifest"]!.DeepClone().AsObject();
        var env = new JsonArray
        {
            Env("PREFECT_API_URL", _fixture.Docker.Server.ApiUrl.ToString().TrimEnd('/')),
            Env("PREFECT__FLOW_RUN_ID", run.Id.ToString()),
            Env("PREFECT__WORKER_NAME", "KubernetesWorker 5c1f0e7a-prefect"),
            Env("PREFECT__FLOW_ID", run.FlowId.ToString()),
            Env("PREFECT__FLOW_NAME", "hello"),
            Env("PREFECT__DEPLOYMENT_ID", deploymentId.ToString()),
            Env("PREFECT__DEPLOYMENT_NAME", "arthur"),
        };
        // _slugify_labels: prefect.io/… keys, values made label-safe.
        var labels = new JsonObject
        {
            ["prefect.io/flow-run-id"] = run.Id.ToString(),
            ["prefect.io/flow-run-name"] = run.Name,
            ["prefect.io/version"] = "3.4.0",
            ["prefect.io/deployment-id"] = deploymentId.ToString(),
            ["prefect.io/deployment-name"] = "arthur",
            ["prefect.io/flow-id"] = run.FlowId.ToString(),
            ["prefect.io/flow-name"] = "hello",
            ["prefect.io/work-pool-name"] = pool,
            ["prefect.io/worker-name"] = "kubernetesworker-5c1f0e7a-prefect",
        };
        var values = new Dictionary<string, JsonNode?>
        {
            ["{{ annotations }}"] = null,
            ["{{ labels }}"] = labels,
            ["{{ namespace }}"] = Namespace,
            ["{{ name }}-"] = run.Name + "-",
            ["{{ backoff_limit }}"] = 0,
            ["{{ finished_job_ttl }}"] = 60,
            ["{{ service_account_name }}"] = null,
            ["{{ env }}"] = env,
            ["{{ image }}"] = _fixture.HelloImage,
            ["{{ image_pull_policy }}"] = "IfNotPresent",
            // command unset: _populate_command_if_not_present puts shlex.split("prefect flow-run execute") in args.
            ["{{ command }}"] = new JsonArray("prefect", "flow-run", "execute"),
            ["{{ cpu_limit }}"] = null,
            ["{{ memory_limit }}"] = null,
            ["{{ cpu_request }}"] = null,
            ["{{ memory_request }}"] = null,
        };
        var job = (JsonObject)Fill(template, values)!;
        // The template puts parallelism and completions in the pod spec, where they are unknown fields: a real API
        // server drops them (fieldValidation defaults to Warn); the fake refuses unknown fields, so they go here.
        var podSpec = job["spec"]!["template"]!["spec"]!.AsObject();
        podSpec.Remove("parallelism");
        podSpec.Remove("completions");
        return job;
    }

    private static JsonObject Env(string name, string value) => new() { ["name"] = name, ["value"] = value };

    /// <summary>Whole-string placeholders replaced by their values; a null value leaves the field out (the API server reads null as unset).</summary>
    private static JsonNode? Fill(JsonNode? node, Dictionary<string, JsonNode?> values)
    {
        switch (node)
        {
            case JsonObject obj:
                var filled = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    if (Fill(value, values) is { } v)
                    {
                        filled[key] = v;
                    }
                }

                return filled;
            case JsonArray array:
                return new JsonArray([.. array.Select(i => Fill(i, values))]);
            case JsonValue value when value.TryGetValue<string>(out var text) && values.TryGetValue(text, out var replacement):
                return replacement?.DeepClone();
            case JsonValue value when value.TryGetValue<string>(out var text) && text.Contains("{{", StringComparison.Ordinal):
                throw new InvalidOperationException($"no value for the placeholder in \"{text}\"");
            default:
                return node?.DeepClone();
        }
    }
}
