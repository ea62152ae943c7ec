// Usage: dotnet run -c Release --project bench/workers -- [--runs 100] [--poll-ms 1000] [--type process|docker]
// One process (or docker) worker on the real embedded server (SQLite, loopback). The docker worker runs the same app
// in localhost:5000/dotnet/runtime:10.0 (from .ci/registry.sh) with the build output mounted at /app, so "start"
// includes creating and starting the container. Runs are created one at a time, each after the
// previous one ended, so every figure is one run's own path:
//   dispatch  = flow run created (server time) → worker's Pending accepted (server time): polling + claim;
//   start     = Pending (server time) → the run's "Beginning flow run" line (runner time): process start, .NET start-up,
//               the runner reading run and deployment, Running accepted;
//   finish    = the flow's own line "Hello, Marvin!" (runner time) → Completed (server time): final state acknowledged.
// Each run is created after a random pause so runs do not line up with the worker's poll.
// The app is samples/hello (Release build), the same one the dev command and the tests run.
using System.Globalization;
using System.Text.Json;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Server;
using Flows.Server.WorkPools;
using Flows.Workers;
using Flows.Workers.Docker;
using Flows.Workers.Process;

var runs = Arg("--runs", 100);
var type = StringArg("--type", "process");
if (type is not ("process" or "docker"))
{
    Console.Error.WriteLine($"--type {type}: use process or docker");
    return 2;
}

var pollMs = Arg("--poll-ms", (int)new WorkerOptions { WorkPool = "x" }.PollInterval.TotalMilliseconds);
var app = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "samples", "hello", "bin", "Release", "net10.0", "hello.dll"));
if (!File.Exists(app))
{
    Console.Error.WriteLine($"{app} is missing: run with -c Release so samples/hello is built in Release.");
    return 2;
}

var home = Path.Combine(Path.GetTempPath(), "flows-bench-workers-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(home);
await using var server = await FlowsServer.StartAsync(new FlowsServerOptions { Host = "127.0.0.1", Port = 0, DatabaseUrl = $"sqlite:///{home}/flows.db", FlowsHome = home });
using var client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(server.ApiUrl.ToString()) });
await client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = "bench", Type = type, BaseJobTemplate = BaseJobTemplates.ForType(type) });
var flow = await client.Flows.CreateFlowAsync(new FlowCreate { Name = "hello" });
var deployment = await client.Deployments.CreateDeploymentAsync(new DeploymentCreate
{
    Name = "bench",
    FlowId = flow.Id,
    WorkPoolName = "bench",
    Entrypoint = "HelloFlows.cs:hello",
    JobVariables = type == "process"
        ? new Dictionary<string, JsonElement>
        {
            ["command"] = JsonSerializer.SerializeToElement($"dotnet \"{app}\""),
            ["working_dir"] = JsonSerializer.SerializeToElement(Path.GetDirectoryName(app)),
            ["stream_output"] = JsonSerializer.SerializeToElement(false),
        }
        : new Dictionary<string, JsonElement>
        {
            ["image"] = JsonSerializer.SerializeToElement("localhost:5000/dotnet/runtime:10.0"),
            ["command"] = JsonSerializer.SerializeToElement("dotnet /app/hello.dll"),
            ["volumes"] = JsonSerializer.SerializeToElement(new[] { $"{Path.GetDirectoryName(app)}:/app:ro" }),
            ["auto_remove"] = JsonSerializer.SerializeToElement(true),
            ["stream_output"] = JsonSerializer.SerializeToElement(false),
        },
});

using var stop = new CancellationTokenSource();
var worker = new FlowWorker(client, new WorkerOptions { WorkPool = "bench", PollInterval = TimeSpan.FromMilliseconds(pollMs) }, type == "process" ? new ProcessInfrastructure(TextWriter.Null) : DockerInfrastructure.Create(TextWriter.Null), TextWriter.Null).RunAsync(stop.Token);

var dispatch = new List<double>();
var start = new List<double>();
var finish = new List<double>();
Console.WriteLine($"type={type} runs={runs} poll={pollMs}ms cores={Environment.ProcessorCount}");
var random = new Random(42);
for (var i = 0; i < runs; i++)
{
    await Task.Delay(random.Next(pollMs));
    var run = await client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id);
    FlowRun current;
    do
    {
        await Task.Delay(50);
        current = await client.FlowRuns.ReadFlowRunAsync(run.Id);
    }
    while (current.StateType?.IsTerminal() != true);

    if (current.StateType != StateType.Completed)
    {
        Console.Error.WriteLine($"run {i} ended {current.StateName}: {current.State?.Message}");
        return 1;
    }

    // The first time the run entered each state type.
    var states = (await client.FlowRuns.ReadFlowRunStatesAsync(run.Id)).GroupBy(s => s.Type).ToDictionary(g => g.Key, g => g.Min(s => s.Timestamp!.Value));
    var logs = await client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [run.Id] } } });
    var created = run.Created ?? states[StateType.Scheduled];
    dispatch.Add((states[StateType.Pending] - created).TotalMilliseconds);
    start.Add((logs.First(l => l.Message.StartsWith("Beginning flow run", StringComparison.Ordinal)).Timestamp - states[StateType.Pending]).TotalMilliseconds);
    finish.Add((states[StateType.Completed] - logs.First(l => l.Message == "Hello, Marvin!").Timestamp).TotalMilliseconds);
}

await stop.CancelAsync();
await worker;
Console.WriteLine($"{"phase",-10} {"p50 ms",8} {"p95 ms",8} {"max ms",8}");
Report("dispatch", dispatch);
Report("start", start);
Report("finish", finish);
Console.WriteLine($"dispatch p50 / poll interval = {Percentile(dispatch, 50) / pollMs:0.00}");
Directory.Delete(home, recursive: true);
return 0;

static void Report(string name, List<double> values) =>
    Console.WriteLine($"{name,-10} {Percentile(values, 50),8:0} {Percentile(values, 95),8:0} {values.Max(),8:0}");

static double Percentile(List<double> values, int p)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1)];
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

string StringArg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
