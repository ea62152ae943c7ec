using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Server;
using Flows.Server.WorkPools;
using Flows.Workers;
using Flows.Kubernetes.Fake;
using Flows.Workers.Docker;
using Flows.Workers.Kubernetes;
using Flows.Workers.Process;

namespace Flows.Testing;

/// <summary>
/// Flow runs through faults: the real server (SQLite, restartable on a fixed port) behind a <see cref="FaultProxy"/>
/// that drops a share of the answers after the server acted on them; process (and optionally docker and Kubernetes, the
/// fake API server's Docker node) workers running samples/hello's runner,
/// all through the proxy with the long-running clients' outage budget. While the runs go on: a full API outage, one
/// server restart (a SIGKILL when the server is a process: <see cref="ServerCommand"/>) and one worker restart
/// (graceful, long grace: its runs finish). Then it counts what happened to every
/// run: Completed, Failed, Crashed (with why), lost (never final), and log lines stored other than exactly once.
/// Used by ChaosTests (CI, a few dozen runs) and bench/chaos (hundreds).
/// </summary>
internal sealed class ChaosScenario
{
    public required string HelloApp { get; init; }

    public int Runs { get; init; } = 30;

    public int Workers { get; init; } = 2;

    /// <summary>Docker workers on a second pool (0: none): runs alternate between the pools. Their containers run
    /// samples/hello in <see cref="DockerRuntimeImage"/> with the app mounted at /app.</summary>
    public int DockerWorkers { get; init; }

    public string DockerRuntimeImage { get; init; } = "localhost:5000/dotnet/runtime:10.0";

    /// <summary>Kubernetes workers on a third pool (0: none), against the fake API server with its Docker node: each run
    /// is a Job whose pod runs an image of samples/hello (built and pushed to localhost:5000 first).</summary>
    public int KubernetesWorkers { get; init; }

    public double DropRate { get; init; } = 0.05;

    /// <summary>Latency added to every request through the proxy: a random wait up to this.</summary>
    public TimeSpan MaxLatency { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan Outage { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait for every run to be final before counting the rest as lost.</summary>
    public TimeSpan Patience { get; init; } = TimeSpan.FromMinutes(5);

    public TextWriter Progress { get; init; } = TextWriter.Null;

    /// <summary>
    /// The built <c>flows-deploy.dll</c>: when set, the server runs as a <c>flows-deploy server start</c> process and its
    /// restart is a SIGKILL and a new process on the same port and database; when null, it runs in this process and is
    /// stopped and started again.
    /// </summary>
    public string? ServerCommand { get; init; }

    public sealed record Result(int Runs, int Completed, int Failed, IReadOnlyList<string> Crashed, int Lost, int LogLinesNotOnce, int Requests, int Dropped, TimeSpan Elapsed);

    public async Task<Result> RunAsync()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var home = Path.Combine(Path.GetTempPath(), "flows-chaos-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(home);
        var port = FreePort();
        var serverOptions = new FlowsServerOptions { Host = "127.0.0.1", Port = port, DatabaseUrl = $"sqlite:///{home}/flows.db", FlowsHome = home };
        var server = await ChaosServer.StartAsync(serverOptions, ServerCommand);
        FakeKubernetesApiServer? cluster = null;
        Docker.DotNet.DockerClient? docker = null;
        await using var proxy = await FaultProxy.StartAsync(server.ApiUrl);
        using var direct = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(server.ApiUrl) }.ForLongRunningProcess(_ => "120"));
        try
        {
            const string pool = "chaos";
            await direct.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = pool, Type = "process", BaseJobTemplate = BaseJobTemplates.ForType("process") });
            var flow = await direct.Flows.CreateFlowAsync(new FlowCreate { Name = "hello" });
            var deployment = await direct.Deployments.CreateDeploymentAsync(new DeploymentCreate
            {
                Name = "chaos", FlowId = flow.Id, WorkPoolName = pool, Entrypoint = "HelloFlows.cs:hello",
                JobVariables = new Dictionary<string, JsonElement>
                {
                    ["command"] = JsonSerializer.SerializeToElement($"dotnet \"{HelloApp}\""),
                    ["working_dir"] = JsonSerializer.SerializeToElement(Path.GetDirectoryName(HelloApp)),
                    ["stream_output"] = JsonSerializer.SerializeToElement(false),
                },
            });

            var deployments = new List<Guid> { deployment.Id };
            if (DockerWorkers > 0)
            {
                await direct.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = DockerPool, Type = "docker", BaseJobTemplate = BaseJobTemplates.ForType("docker") });
                deployments.Add((await direct.Deployments.CreateDeploymentAsync(new DeploymentCreate
                {
                    Name = "chaos-docker", FlowId = flow.Id, WorkPoolName = DockerPool, Entrypoint = "HelloFlows.cs:hello",
                    JobVariables = new Dictionary<string, JsonElement>
                    {
                        ["image"] = JsonSerializer.SerializeToElement(DockerRuntimeImage),
                        ["command"] = JsonSerializer.SerializeToElement("dotnet /app/hello.dll"),
                        ["volumes"] = JsonSerializer.SerializeToElement(new[] { $"{Path.GetDirectoryName(HelloApp)}:/app:ro" }),
                        ["auto_remove"] = JsonSerializer.SerializeToElement(true),
                        ["stream_output"] = JsonSerializer.SerializeToElement(false),
                    },
                })).Id);
            }

            if (KubernetesWorkers > 0)
            {
                docker = DockerInfrastructure.CreateClient();
                var image = await AppImage.PushAsync(docker, HelloApp, "chaos-hello", home);
                cluster = await FakeKubernetesApiServer.StartAsync(new FakeApiServerOptions { Namespaces = [KubernetesNamespace], DockerNode = docker });
                await direct.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = KubernetesPool, Type = "kubernetes", BaseJobTemplate = BaseJobTemplates.ForType("kubernetes") });
                deployments.Add((await direct.Deployments.CreateDeploymentAsync(new DeploymentCreate
                {
                    Name = "chaos-kubernetes", FlowId = flow.Id, WorkPoolName = KubernetesPool, Entrypoint = "HelloFlows.cs:hello",
                    JobVariables = new Dictionary<string, JsonElement>
                    {
                        ["image"] = JsonSerializer.SerializeToElement(image),
                        ["namespace"] = JsonSerializer.SerializeToElement(KubernetesNamespace),
                        ["stream_output"] = JsonSerializer.SerializeToElement(false),
                    },
                })).Id);
            }

            // The clients of the workers and (through the worker's API URL) of every runner go through the proxy.
            proxy.DropRate = DropRate;
            proxy.MaxLatency = MaxLatency;
            var workerClient = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(proxy.ApiUrl) }.ForLongRunningProcess(_ => "300"));
            var workers = Enumerable.Range(0, Workers).Select(i => StartWorker(workerClient, pool, $"chaos-{i}")).ToList();
            workers.AddRange(Enumerable.Range(0, DockerWorkers).Select(i => StartWorker(workerClient, DockerPool, $"chaos-docker-{i}")));
            workers.AddRange(Enumerable.Range(0, KubernetesWorkers).Select(i => StartWorker(workerClient, KubernetesPool, $"chaos-kubernetes-{i}", cluster)));

            var names = new Dictionary<Guid, string>();
            for (var i = 0; i < Runs; i++)
            {
                var name = $"Guest{i}";
                var run = await direct.Deployments.CreateFlowRunFromDeploymentAsync(deployments[i % deployments.Count], new DeploymentFlowRunCreate
                {
                    Parameters = new Dictionary<string, JsonElement> { ["name"] = JsonSerializer.SerializeToElement(name) },
                });
                names[run.Id] = name;
            }

            Say($"{Runs} runs created; {Workers} process, {DockerWorkers} docker and {KubernetesWorkers} kubernetes workers; {DropRate:P0} of answers dropped; up to {MaxLatency.TotalMilliseconds:0} ms latency.");
            await WaitUntilAsync(direct, names.Keys, final: Runs / 4);
            Say($"API outage for {Outage.TotalSeconds:0}s.");
            proxy.Down = true;
            await Task.Delay(Outage);
            proxy.Down = false;

            await WaitUntilAsync(direct, names.Keys, final: Runs / 2);
            Say(ServerCommand is null ? "Server restart." : "Server killed (SIGKILL) and started again.");
            await server.DisposeAsync(); // a SIGKILL when the server is a process
            server = await ChaosServer.StartAsync(serverOptions, ServerCommand);

            await WaitUntilAsync(direct, names.Keys, final: Runs * 3 / 4);
            Say("Worker restart.");
            await workers[0].Stop.CancelAsync();
            await workers[0].Running;
            workers[0] = StartWorker(workerClient, pool, "chaos-0-again");

            var deadline = DateTimeOffset.UtcNow + Patience;
            List<FlowRun> runs;
            while (true)
            {
                runs = await ReadAsync(direct, names.Keys);
                if (runs.All(r => r.StateType?.IsTerminal() == true) || DateTimeOffset.UtcNow > deadline)
                {
                    break;
                }

                await Task.Delay(500);
            }

            foreach (var worker in workers)
            {
                await worker.Stop.CancelAsync();
                await worker.Running;
            }

            workerClient.Dispose();
            var notOnce = 0;
            foreach (var run in runs)
            {
                var logs = await direct.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [run.Id] } }, Limit = 200 });
                notOnce += logs.GroupBy(l => (l.Message, l.Timestamp)).Count(g => g.Count() != 1);
                if (run.StateType == StateType.Completed && logs.Count(l => l.Message == $"Hello, {names[run.Id]}!") != 1)
                {
                    notOnce++;
                }
            }

            var journal = proxy.Journal.ToList();
            return new Result(
                Runs,
                runs.Count(r => r.StateType == StateType.Completed),
                runs.Count(r => r.StateType == StateType.Failed),
                runs.Where(r => r.StateType == StateType.Crashed).Select(r => $"{r.Name}: {r.State?.Message}").ToList(),
                runs.Count(r => r.StateType?.IsTerminal() != true) + (Runs - runs.Count),
                notOnce,
                journal.Count,
                journal.Count(l => l.Contains("dropped", StringComparison.Ordinal)),
                started.Elapsed);
        }
        finally
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }

            docker?.Dispose();
            await server.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(home, recursive: true);
        }
    }

    private const string DockerPool = "chaos-docker";
    private const string KubernetesPool = "chaos-kubernetes";
    private const string KubernetesNamespace = "prefect";

    private static (Task Running, CancellationTokenSource Stop) StartWorker(PrefectClient client, string pool, string name, FakeKubernetesApiServer? cluster = null)
    {
        var options = new WorkerOptions { WorkPool = pool, Name = name, PollInterval = TimeSpan.FromMilliseconds(200), Limit = 4, ShutdownGrace = TimeSpan.FromMinutes(5) };
        IFlowRunInfrastructure infrastructure = pool switch
        {
            DockerPool => DockerInfrastructure.Create(TextWriter.Null),
            KubernetesPool => new KubernetesInfrastructure(TextWriter.Null, _ => cluster!.CreateClient()),
            _ => new ProcessInfrastructure(TextWriter.Null),
        };
        var stop = new CancellationTokenSource();
        return (new FlowWorker(client, options, infrastructure, TextWriter.Null).RunAsync(stop.Token), stop);
    }

    private async Task WaitUntilAsync(PrefectClient client, IEnumerable<Guid> ids, int final)
    {
        var deadline = DateTimeOffset.UtcNow + Patience;
        while (DateTimeOffset.UtcNow < deadline)
        {
            var runs = await ReadAsync(client, ids);
            if (runs.Count(r => r.StateType?.IsTerminal() == true) >= final)
            {
                return;
            }

            await Task.Delay(250);
        }
    }

    private static async Task<List<FlowRun>> ReadAsync(PrefectClient client, IEnumerable<Guid> ids)
    {
        var runs = new List<FlowRun>();
        foreach (var chunk in ids.Chunk(200))
        {
            runs.AddRange(await client.FlowRuns.ReadFlowRunsAsync(new FlowRunFilterRequest { FlowRuns = new FlowRunFilter { Id = new IdFilter { Any = chunk } }, Limit = chunk.Length }));
        }

        return runs;
    }

    private void Say(string line) => Progress.WriteLine($"{DateTimeOffset.Now:HH:mm:ss} chaos: {line}");

    /// <summary>The server under test: in this process, or a <c>flows-deploy server start</c> process that is killed.</summary>
    private sealed class ChaosServer : IAsyncDisposable
    {
        private FlowsServerHost? _host;
        private System.Diagnostics.Process? _process;

        public string ApiUrl { get; private init; } = string.Empty;

        public static async Task<ChaosServer> StartAsync(FlowsServerOptions options, string? command)
        {
            if (command is null)
            {
                var host = await FlowsServer.StartAsync(options);
                return new ChaosServer { _host = host, ApiUrl = host.ApiUrl.ToString() };
            }

            var start = new System.Diagnostics.ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { command, "server", "start", "--port", options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--database-url", options.DatabaseUrl! })
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["FLOWS_HOME"] = options.FlowsHome;
            var process = System.Diagnostics.Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new ChaosServer { _process = process, ApiUrl = $"http://127.0.0.1:{options.Port}/api" };
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
            while (DateTimeOffset.UtcNow < deadline && !process.HasExited)
            {
                try
                {
                    if ((await http.GetAsync(server.ApiUrl + "/health")).IsSuccessStatusCode)
                    {
                        return server;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // not up yet
                }

                await Task.Delay(100);
            }

            await server.DisposeAsync();
            throw new InvalidOperationException($"flows-deploy server start on port {options.Port} did not answer /health.");
        }

        public async ValueTask DisposeAsync()
        {
            if (_host is not null)
            {
                await _host.DisposeAsync();
            }

            if (_process is not null)
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                }

                await _process.WaitForExitAsync();
                _process.Dispose();
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
