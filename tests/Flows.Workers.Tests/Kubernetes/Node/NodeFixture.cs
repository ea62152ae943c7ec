using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Kubernetes.Fake;
using Flows.Workers.Kubernetes;
using Flows.Workers.Tests.Docker;

namespace Flows.Workers.Tests.Kubernetes.Node;

/// <summary>The node tests share one <see cref="NodeFixture"/> (its images are built once) and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class NodeCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "fake node";
}

/// <summary>
/// The real server, the real Docker Engine and lab registry (through <see cref="DockerFixture"/>), and the images the
/// node runs: samples/hello and tests/Flows.Runner.TestApp (wait, fail), each pushed to localhost:5000 once. Each test
/// starts its own fake API server with RBAC on and the Docker node, and installs the worker chart's RBAC into it.
/// </summary>
public sealed class NodeFixture : IAsyncLifetime
{
    public const string Namespace = "prefect";

    /// <summary>The chart's release: its ServiceAccount, Role and RoleBinding are all named so.</summary>
    public const string Release = "flows-worker";

    /// <summary>The user the chart's ServiceAccount authenticates as.</summary>
    public const string WorkerUser = "system:serviceaccount:prefect:flows-worker";

    public DockerFixture Docker { get; } = new();

    public PrefectClient Client => Docker.Server.Client;

    public string HelloImage { get; private set; } = string.Empty;

    public string TestAppImage { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        await Docker.InitializeAsync();
        HelloImage = await Docker.PushHelloImageAsync();
        TestAppImage = await Docker.PushAppImageAsync(TestApp, "testapp");
    }

    public Task DisposeAsync() => Docker.DisposeAsync();

    /// <summary>tests/Flows.Runner.TestApp's app, built by this test project's build (next to samples/hello's, same configuration).</summary>
    private static string TestApp
    {
        get
        {
            // samples/hello/bin/<configuration>/net10.0/hello.dll
            var framework = new FileInfo(WorkerFixture.HelloApp).Directory!;
            var configuration = framework.Parent!;
            var root = configuration.Parent!.Parent!.Parent!.Parent!;
            var app = Path.Combine(root.FullName, "tests", "Flows.Runner.TestApp", "bin", configuration.Name, framework.Name, "Flows.Runner.TestApp.dll");
            return File.Exists(app) ? app : throw new FileNotFoundException("tests/Flows.Runner.TestApp was not built with this test project", app);
        }
    }

    public Task<FakeKubernetesApiServer> StartClusterAsync() =>
        FakeKubernetesApiServer.StartAsync(new FakeApiServerOptions { Namespaces = [Namespace], Rbac = true, DockerNode = Docker.Docker });

    /// <summary>
    /// <c>helm template</c> of deploy/charts/flows-worker for the pool <c>kubernetes</c> in <c>prefect</c>; its
    /// ServiceAccount, Role (after <paramref name="changeRole"/>) and RoleBinding created in the fake as an admin
    /// would, plus a service-account-token Secret for the account (the chart takes its API key from a Secret that
    /// exists already and has no Secret of its own). Returns the token the fake's token controller put in it.
    /// </summary>
    public static string InstallWorkerChart(FakeKubernetesApiServer cluster, Action<JsonObject>? changeRole = null)
    {
        var objects = WorkerChart.Render(Release, Namespace, "worker.config.workPool=kubernetes");
        var role = WorkerChart.Single(objects, "Role");
        changeRole?.Invoke(role);
        cluster.Create(WorkerChart.Single(objects, "ServiceAccount"));
        cluster.Create(role);
        cluster.Create(WorkerChart.Single(objects, "RoleBinding"));
        var account = WorkerChart.Single(objects, "ServiceAccount")["metadata"]!["name"]!.GetValue<string>();
        cluster.Create((JsonObject)JsonNode.Parse($$"""
            { "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
              "metadata": { "name": "{{account}}-token", "namespace": "{{Namespace}}", "annotations": { "kubernetes.io/service-account.name": "{{account}}" } } }
            """)!);
        return Encoding.UTF8.GetString(cluster.GetSecret(Namespace, account + "-token")!.Data["token"]);
    }

    /// <summary>The worker of the chart: our kubernetes worker, speaking to the fake with the chart's service account token.</summary>
    public (Task Running, CancellationTokenSource Stop) StartWorker(FakeKubernetesApiServer cluster, string token, string pool, TextWriter output)
    {
        var options = new WorkerOptions { WorkPool = pool, PollInterval = TimeSpan.FromMilliseconds(200) };
        var kubernetes = cluster.CreateClient(token);
        var worker = new FlowWorker(Client, options, new KubernetesInfrastructure(output, _ => kubernetes), output);
        var stop = new CancellationTokenSource();
        return (worker.RunAsync(stop.Token), stop);
    }

    /// <summary>A kubernetes pool with the seed's settings (Finished Job TTL 60, Pod Watch Timeout 300, namespace prefect).</summary>
    public async Task CreateSeedPoolAsync(string name, Action<JsonObject>? change = null) =>
        await Client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = name, Type = "kubernetes", BaseJobTemplate = JsonSerializer.SerializeToElement(JobManifestBuilderTests.SeedTemplate(change)) });

    public async Task<Guid> DeployAsync(string pool, string flow, string deployment, string entrypoint, string image, string? parametersJson = null)
    {
        var created = await Client.Flows.CreateFlowAsync(new FlowCreate { Name = flow });
        var response = await Client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = deployment,
            FlowId = created.Id,
            WorkPoolName = pool,
            Entrypoint = entrypoint,
            Parameters = parametersJson is null ? null : JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(parametersJson),
            JobVariables = new Dictionary<string, JsonElement> { ["image"] = JsonSerializer.SerializeToElement(image) },
        });
        return response.Id;
    }

    public async Task<Guid> RunAsync(Guid deployment) => (await Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment)).Id;

    public Task<FlowRun> WaitAsync(Guid runId, Func<FlowRun, bool> done) => Docker.Server.WaitAsync(runId, done);

    /// <summary>Waits (a minute at most) until the run's logs hold <paramref name="message"/>: the runner sends them in batches.</summary>
    public async Task WaitForLogAsync(Guid runId, string message)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!(await LogsAsync(runId)).Contains(message))
        {
            await Task.Delay(100, limit.Token);
        }
    }

    public async Task<IReadOnlyList<string>> LogsAsync(Guid runId) =>
        (await Client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [runId] } } })).Select(l => l.Message ?? string.Empty).ToList();
}
