// Usage: dotnet run -c Release --project bench/kubernetes -- [--runs 200] [--idle-seconds 10]
// One kubernetes worker — the real `flows-deploy worker start --type kubernetes` process, reaching the fake API server
// (tests/Flows.Kubernetes.Fake, named a fake: it validates every object against the Kubernetes schemas but runs no
// containers) through a kubeconfig — and the real embedded server (SQLite, loopback).
//   idle RSS     = the worker process's resident memory after --idle-seconds with nothing to do (polling, heartbeats);
//   submission   = N runs scheduled before the worker's first poll; Jobs per second from the first Job created to the
//                  N-th (each Job: render the pool's template, create the Job, watch for its pod);
//   watching RSS = resident memory with N runs submitted, their pods Pending and watched.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Kubernetes.Fake;
using Flows.Server;
using Flows.Server.WorkPools;

var runs = Arg("--runs", 200);
var idleSeconds = Arg("--idle-seconds", 10);
var cli = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Flows.Cli", "bin", "Release", "net10.0", "flows-deploy.dll"));
if (!File.Exists(cli))
{
    Console.Error.WriteLine($"{cli} is missing: run with -c Release so flows-deploy is built in Release.");
    return 2;
}

var home = Path.Combine(Path.GetTempPath(), "flows-bench-k8s-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(home);
await using var server = await FlowsServer.StartAsync(new FlowsServerOptions { Host = "127.0.0.1", Port = 0, DatabaseUrl = $"sqlite:///{home}/flows.db", FlowsHome = home });
await using var cluster = await FakeKubernetesApiServer.StartAsync(["prefect"]);
using var client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(server.ApiUrl.ToString()) });
await client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = "bench", Type = "kubernetes", BaseJobTemplate = BaseJobTemplates.ForType("kubernetes") });
var flow = await client.Flows.CreateFlowAsync(new FlowCreate { Name = "hello" });
var deployment = await client.Deployments.CreateDeploymentAsync(new DeploymentCreate
{
    Name = "bench",
    FlowId = flow.Id,
    WorkPoolName = "bench",
    Entrypoint = "HelloFlows.cs:hello",
    JobVariables = new Dictionary<string, JsonElement>
    {
        ["image"] = JsonSerializer.SerializeToElement("localhost:5000/hello:abc1234"),
        ["namespace"] = JsonSerializer.SerializeToElement("prefect"),
        // Pods never start here (nothing runs containers): keep watching them for the whole bench.
        ["pod_watch_timeout_seconds"] = JsonSerializer.SerializeToElement(3600),
    },
});

var kubeconfig = Path.Combine(home, "kubeconfig");
await File.WriteAllTextAsync(kubeconfig, $"""
    apiVersion: v1
    kind: Config
    clusters: [{"{"} name: fake, cluster: {"{"} server: "{cluster.Url}" {"}"} {"}"}]
    users: [{"{"} name: bench, user: {"{"} token: bench {"}"} {"}"}]
    contexts: [{"{"} name: fake, context: {"{"} cluster: fake, user: bench, namespace: prefect {"}"} {"}"}]
    current-context: fake
    """);
var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
foreach (var arg in new[] { cli, "worker", "start", "--pool", "bench", "--type", "kubernetes" })
{
    start.ArgumentList.Add(arg);
}

start.Environment["PREFECT_API_URL"] = server.ApiUrl.ToString();
start.Environment["KUBECONFIG"] = kubeconfig;
using var worker = Process.Start(start)!;
var output = new System.Text.StringBuilder();
worker.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
worker.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
worker.BeginOutputReadLine();
worker.BeginErrorReadLine();
try
{
    Console.WriteLine($"runs={runs} idle={idleSeconds}s cores={Environment.ProcessorCount}");
    await Task.Delay(TimeSpan.FromSeconds(idleSeconds));
    worker.Refresh();
    var idle = worker.WorkingSet64;

    var ids = new List<Guid>();
    for (var i = 0; i < runs; i++)
    {
        ids.Add((await client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id)).Id);
    }

    var clock = Stopwatch.StartNew();
    TimeSpan? first = null;
    var limit = TimeSpan.FromMinutes(5);
    int count;
    while ((count = cluster.ListJobs("prefect").Count) < runs)
    {
        if (count > 0)
        {
            first ??= clock.Elapsed;
        }

        if (clock.Elapsed > limit || worker.HasExited)
        {
            Console.Error.WriteLine($"only {count} of {runs} Jobs after {clock.Elapsed.TotalSeconds:0} s\n{output}");
            return 1;
        }

        await Task.Delay(10);
    }

    var last = clock.Elapsed;
    first ??= last;
    var pending = 0;
    foreach (var id in ids)
    {
        pending += (await client.FlowRuns.ReadFlowRunAsync(id)).StateType == StateType.Pending ? 1 : 0;
    }

    await Task.Delay(TimeSpan.FromSeconds(2));
    worker.Refresh();
    var watching = worker.WorkingSet64;
    var span = (last - first.Value).TotalSeconds;
    Console.WriteLine($"submitted {runs} Jobs ({pending} runs Pending) in {span:0.00} s after the first: {(runs - 1) / Math.Max(span, 0.001):0} Jobs/s");
    Console.WriteLine($"first Job {first.Value.TotalMilliseconds:0} ms after the runs were created (poll interval 1 s)");
    Console.WriteLine($"worker RSS idle {idle / 1048576.0:0.0} MB, watching {runs} pods {watching / 1048576.0:0.0} MB");
    return 0;
}
finally
{
    worker.Kill(entireProcessTree: true);
    await worker.WaitForExitAsync();
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    Directory.Delete(home, recursive: true);
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
