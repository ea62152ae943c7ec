// Usage: dotnet run -c Release --project bench/chaos -- [--runs 300] [--workers 3] [--docker-workers 1] [--kubernetes-workers 1]
//        [--outage-s 60] [--drop 0.05]
// Flow runs of samples/hello through faults (tests/Shared/ChaosScenario): process workers and every runner talk to the
// real server through a proxy that drops a share of the answers after the server acted on them; while the runs go on,
// a full API outage, a SIGKILL of the server process and a new one, and one worker restart. Prints what happened to
// every run.
using System.Globalization;
using Flows.Testing;

var runs = Arg("--runs", 300);
var workers = Arg("--workers", 3);
var dockerWorkers = Arg("--docker-workers", 1);
var kubernetesWorkers = Arg("--kubernetes-workers", 1);
var outage = Arg("--outage-s", 60);
var drop = double.Parse(StringArg("--drop", "0.05"), CultureInfo.InvariantCulture);
var app = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "samples", "hello", "bin", "Release", "net10.0", "hello.dll"));
if (!File.Exists(app))
{
    Console.Error.WriteLine($"{app} is missing: run with -c Release so samples/hello is built in Release.");
    return 2;
}

var cli = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Flows.Cli", "bin", "Release", "net10.0", "flows-deploy.dll"));
if (!File.Exists(cli))
{
    Console.Error.WriteLine($"{cli} is missing: run with -c Release so src/Flows.Cli is built in Release.");
    return 2;
}

var scenario = new ChaosScenario
{
    ServerCommand = cli,
    HelloApp = app, Runs = runs, Workers = workers, DockerWorkers = dockerWorkers, KubernetesWorkers = kubernetesWorkers, DropRate = drop, Outage = TimeSpan.FromSeconds(outage),
    Patience = TimeSpan.FromMinutes(20), Progress = Console.Out,
};
var result = await scenario.RunAsync();
Console.WriteLine();
Console.WriteLine($"runs        {result.Runs}");
Console.WriteLine($"Completed   {result.Completed}");
Console.WriteLine($"Failed      {result.Failed}   (by the flow's own code; hello never fails)");
Console.WriteLine($"Crashed     {result.Crashed.Count}");
foreach (var crash in result.Crashed)
{
    Console.WriteLine($"  {crash}");
}

Console.WriteLine($"lost        {result.Lost}   (never final)");
Console.WriteLine($"log lines not stored exactly once: {result.LogLinesNotOnce}");
Console.WriteLine($"requests through the proxy: {result.Requests}, answers dropped: {result.Dropped}; {workers} process, {dockerWorkers} docker and {kubernetesWorkers} kubernetes (fake node) workers; outage {outage}s, 1 server SIGKILL and restart, 1 worker restart; {result.Elapsed.TotalSeconds:0} s");
return result.Lost == 0 && result.Crashed.Count == 0 && result.LogLinesNotOnce == 0 ? 0 : 1;

int Arg(string name, int fallback) => int.Parse(StringArg(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

string StringArg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
