// Usage: dotnet run -c Release --project bench/images -- [--runs 10] [--reuse TAG]
// Needs .ci/registry.sh and .ci/docker.sh (localhost:5000 with the .NET base images, dockerd), clang and lld for AOT.
// Builds samples/hello three ways with the SDK's container publish (what `dotnet publish -p:DeployFlows=true` and
// `flows-deploy deploy` run), pushes them to localhost:5000 and pulls them:
//   jit          the default: framework-dependent app on localhost:5000/dotnet/runtime:10.0;
//   aot          -p:PublishAot=true on localhost:5000/dotnet/runtime-deps:10.0;
//   aot-inv      the same with -p:InvariantGlobalization=true (no ICU needed by the app) on
//                localhost:5000/dotnet/runtime-deps:10.0-chiseled (no ICU, time zones or shell).
// Then, side by side in one run (the order alternates per round), medians over --runs rounds:
//   docker start   client's `docker start` (API call issued) → the flow's first log line (Docker's timestamp of the
//                  line) and → its "Finished in state Completed()" line: a local run (`--name Marvin`), no server;
//   in pod→log     the same `docker start` → first log, the container joining a sandbox container's network namespace
//                  made beforehand (a pod's pause container, as cri-dockerd runs pods on Docker);
//   process→log    the Engine's StartedAt (the container's process started) → that first line: the app's own start-up;
//   worker submit  the docker worker's Pending (server time, the claim just before it creates the container) →
//                  the run's first log line (runner time) and → Completed (server time): the deployed path, the app as
//                  the runner, against the embedded server on loopback. Images are already pulled (IfNotPresent).
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Server;
using Flows.Server.WorkPools;
using Flows.Workers;
using Flows.Workers.Docker;

var runs = Arg("--runs", 10);
var root = RepositoryRoot();
var tag = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
Variant[] variants =
[
    new("jit", "localhost:5000/dotnet/runtime:10.0", []),
    new("aot", "localhost:5000/dotnet/runtime-deps:10.0", ["-p:PublishAot=true"]),
    new("aot-inv", "localhost:5000/dotnet/runtime-deps:10.0-chiseled", ["-p:PublishAot=true", "-p:InvariantGlobalization=true"]),
];

using var docker = DockerInfrastructure.CreateClient();
Console.WriteLine($"runs={runs} cores={Environment.ProcessorCount} load={File.ReadAllText("/proc/loadavg").Split(' ')[0]} tag={tag}");
// --reuse TAG: measure images an earlier run built and pushed (no new AOT compiles).
var reuse = StringArg("--reuse");
if (reuse is not null)
{
    tag = reuse;
}

foreach (var variant in variants)
{
    variant.BuildSeconds = reuse is null ? await PublishAsync(variant) : double.NaN;
    variant.Image = $"localhost:5000/bench-images/hello-{variant.Name}:{tag}";
    (variant.Compressed, variant.AppLayerCompressed) = await RegistrySizesAsync($"bench-images/hello-{variant.Name}", tag);
    await docker.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = variant.Image }, null, new Progress<JSONMessage>());
    variant.Uncompressed = (await docker.Images.InspectImageAsync(variant.Image)).Size;
    Console.WriteLine(reuse is null ? $"built {variant.Image} in {variant.BuildSeconds:0} s" : $"reused {variant.Image}");
}

// Start-up from `docker start`, alternating the order each round. Each round also starts the Engine's floor: a shell
// printing one line on the runtime-deps base, so what the Engine itself costs (namespaces, mounts, network) is measured
// beside what the app adds to it.
string[] floorCommand = ["/usr/bin/sh", "-c", "echo 'Finished in state Completed()'"];
var floor = new List<double>();
await docker.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = variants[1].Base }, null, new Progress<JSONMessage>());
for (var round = 0; round < runs; round++)
{
    foreach (var variant in round % 2 == 0 ? variants : variants.Reverse())
    {
        var (firstLog, completed, processToFirstLog) = await DockerStartAsync(docker, variant.Image);
        variant.StartToFirstLog.Add(firstLog);
        variant.StartToCompleted.Add(completed);
        variant.ProcessToFirstLog.Add(processToFirstLog);
    }

    floor.Add((await DockerStartAsync(docker, variants[1].Base, floorCommand)).FirstLog);
}

// The same starts in a pod's shape. Kubernetes starts a Job's container inside a pod whose sandbox (the pause container)
// already holds the network namespace, made once per pod before any container of it; cri-dockerd does exactly this on
// Docker, with the app container joining `container:<sandbox>`. So each start here joins a sandbox started beforehand
// (a shell waiting on its open stdin stands in for the pause binary, which the lab has no image of):
// what starting a pod's container costs the Engine and the image, without the per-container bridge network.
var podFloor = new List<double>();
var sandbox = await docker.Containers.CreateContainerAsync(new CreateContainerParameters { Image = variants[1].Base, Entrypoint = ["/usr/bin/sh"], OpenStdin = true });
try
{
    await docker.Containers.StartContainerAsync(sandbox.ID, new ContainerStartParameters());
    var inPod = $"container:{sandbox.ID}";
    for (var round = 0; round < runs; round++)
    {
        foreach (var variant in round % 2 == 0 ? variants : variants.Reverse())
        {
            variant.PodStartToFirstLog.Add((await DockerStartAsync(docker, variant.Image, networkMode: inPod)).FirstLog);
        }

        podFloor.Add((await DockerStartAsync(docker, variants[1].Base, floorCommand, inPod)).FirstLog);
    }
}
finally
{
    await docker.Containers.RemoveContainerAsync(sandbox.ID, new ContainerRemoveParameters { Force = true });
}

// The deployed path: the docker worker on the embedded server.
var home = Path.Combine(Path.GetTempPath(), "flows-bench-images-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(home);
await using (var server = await FlowsServer.StartAsync(new FlowsServerOptions { Host = "127.0.0.1", Port = 0, DatabaseUrl = $"sqlite:///{home}/flows.db", FlowsHome = home }))
{
    using var client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(server.ApiUrl.ToString()) });
    await client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = "bench", Type = "docker", BaseJobTemplate = BaseJobTemplates.ForType("docker") });
    var flow = await client.Flows.CreateFlowAsync(new FlowCreate { Name = "hello" });
    foreach (var variant in variants)
    {
        variant.DeploymentId = (await client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = variant.Name,
            FlowId = flow.Id,
            WorkPoolName = "bench",
            Entrypoint = "HelloFlows.cs:hello",
            JobVariables = new Dictionary<string, JsonElement>
            {
                ["image"] = JsonSerializer.SerializeToElement(variant.Image),
                ["image_pull_policy"] = JsonSerializer.SerializeToElement("IfNotPresent"),
                ["auto_remove"] = JsonSerializer.SerializeToElement(true),
                ["stream_output"] = JsonSerializer.SerializeToElement(false),
            },
        })).Id;
    }

    using var stop = new CancellationTokenSource();
    var worker = new FlowWorker(client, new WorkerOptions { WorkPool = "bench", PollInterval = TimeSpan.FromMilliseconds(100) },
        DockerInfrastructure.Create(TextWriter.Null), TextWriter.Null).RunAsync(stop.Token);
    for (var round = 0; round < runs; round++)
    {
        foreach (var variant in round % 2 == 0 ? variants : variants.Reverse())
        {
            var (firstLog, completed) = await WorkerRunAsync(client, variant.DeploymentId);
            variant.SubmitToFirstLog.Add(firstLog);
            variant.SubmitToCompleted.Add(completed);
        }
    }

    await stop.CancelAsync();
    await worker;
}

Directory.Delete(home, recursive: true);

Console.WriteLine();
Console.WriteLine($"{"image",-8} {"base",-37} {"compressed",11} {"uncompressed",13} {"app layer",10} {"build",6} | {"start→log",10} {"start→done",11} {"process→log",12} {"in pod→log",11} | {"submit→log",11} {"submit→done",12}");
foreach (var v in variants)
{
    Console.WriteLine($"{v.Name,-8} {v.Base.Replace("localhost:5000/", "", StringComparison.Ordinal),-37} {MiB(v.Compressed),11} {MiB(v.Uncompressed),13} {MiB(v.AppLayerCompressed),10} {(reuse is null ? $"{v.BuildSeconds:0}s" : "-"),6} | {Median(v.StartToFirstLog),8:0}ms {Median(v.StartToCompleted),9:0}ms {Median(v.ProcessToFirstLog),10:0}ms {Median(v.PodStartToFirstLog),9:0}ms | {Median(v.SubmitToFirstLog),9:0}ms {Median(v.SubmitToCompleted),10:0}ms");
}

var jit = variants[0];
var aot = variants[1];
Console.WriteLine();
Console.WriteLine($"medians of {runs} runs each; 'app layer' is the image's last layer (the app), compressed.");
Console.WriteLine($"the Engine's own floor, `docker start` → the first line of `sh -c echo` on {variants[1].Base.Replace("localhost:5000/", "", StringComparison.Ordinal)}: {Median(floor):0} ms; above it: jit {Median(jit.StartToFirstLog) - Median(floor):0} ms, aot {Median(aot.StartToFirstLog) - Median(floor):0} ms");
Console.WriteLine($"in a pod's sandbox (network namespace made beforehand, as Kubernetes does), `docker start` → first log: floor {Median(podFloor):0} ms, jit {Median(jit.PodStartToFirstLog):0} ms, aot {Median(aot.PodStartToFirstLog):0} ms, aot-inv {Median(variants[2].PodStartToFirstLog):0} ms; aot {Median(jit.PodStartToFirstLog) / Median(aot.PodStartToFirstLog):0.0}x faster than jit");
Console.WriteLine($"aot vs jit: start→first log {Median(jit.StartToFirstLog) / Median(aot.StartToFirstLog):0.0}x faster, process→first log {Median(jit.ProcessToFirstLog) / Median(aot.ProcessToFirstLog):0.0}x, submit→first log {Median(jit.SubmitToFirstLog) / Median(aot.SubmitToFirstLog):0.0}x, uncompressed {(double)jit.Uncompressed / aot.Uncompressed:0.0}x smaller");
Console.WriteLine("reference, quoted and not measured here: Prefect's own image \"is about 770 MB\" (Prefect issue #17599; about 310 MB for a client-only build).");
return 0;

async Task<double> PublishAsync(Variant variant)
{
    var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
    foreach (var arg in (string[])[
        "publish", Path.Combine(root, "samples", "hello", "hello.csproj"), "-c", "Release", "--nologo", "-v:q", "-t:PublishContainer",
        "-p:ContainerRuntimeIdentifier=linux-x64", "-p:RuntimeIdentifier=linux-x64", $"-p:ContainerBaseImage={variant.Base}",
        "-p:ContainerRegistry=localhost:5000", $"-p:ContainerRepository=bench-images/hello-{variant.Name}", $"-p:ContainerImageTag={tag}",
        // Each variant in its own obj/bin, so one does not reuse another's build.
        $"-p:BaseOutputPath=bin/bench-{variant.Name}/", $"-p:IntermediateOutputPath=obj/bench-{variant.Name}/", .. variant.Properties])
    {
        start.ArgumentList.Add(arg);
    }

    var watch = Stopwatch.StartNew();
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEndAsync();
    var error = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"publish of {variant.Name} failed:\n{await output}\n{await error}");
    }

    return watch.Elapsed.TotalSeconds;
}

// From the registry's manifest: layers plus config, as a pull transfers them; and the last layer (the app).
static async Task<(long Total, long AppLayer)> RegistrySizesAsync(string repository, string reference)
{
    using var http = new HttpClient();
    using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:5000/v2/{repository}/manifests/{reference}");
    request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
    request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
    using var response = await http.SendAsync(request);
    response.EnsureSuccessStatusCode();
    using var manifest = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    var layers = manifest.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("size").GetInt64()).ToList();
    return (layers.Sum() + manifest.RootElement.GetProperty("config").GetProperty("size").GetInt64(), layers[^1]);
}

static async Task<(double FirstLog, double Completed, double ProcessToFirstLog)> DockerStartAsync(DockerClient docker, string image, IList<string>? entrypoint = null, string? networkMode = null)
{
    var hostConfig = networkMode is null ? new HostConfig() : new HostConfig { NetworkMode = networkMode };
    var created = await docker.Containers.CreateContainerAsync(entrypoint is null
        ? new CreateContainerParameters { Image = image, Cmd = ["--name", "Marvin"], HostConfig = hostConfig }
        : new CreateContainerParameters { Image = image, Entrypoint = entrypoint, HostConfig = hostConfig });
    try
    {
        var issued = DateTimeOffset.UtcNow;
        await docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
        var exit = await docker.Containers.WaitContainerAsync(created.ID);
        var logs = await ContainerLogsAsync(docker, created.ID);
        if (exit.StatusCode != 0 || !logs.Any(l => l.Text.Contains("Finished in state Completed()", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"{image} exited {exit.StatusCode}: {string.Join('\n', logs.Select(l => l.Text))}");
        }

        // The Engine's StartedAt: when the container's process was started (after the Engine set up the container).
        var startedAt = ParseDockerTime((await docker.Containers.InspectContainerAsync(created.ID)).State!.StartedAt);
        return ((logs[0].At - issued).TotalMilliseconds,
                (logs.First(l => l.Text.Contains("Finished in state Completed()", StringComparison.Ordinal)).At - issued).TotalMilliseconds,
                (logs[0].At - startedAt).TotalMilliseconds);
    }
    finally
    {
        await docker.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true });
    }
}

// `docker logs --timestamps`: each line prefixed with the time the daemon read it (RFC 3339, nanoseconds).
static async Task<List<(DateTimeOffset At, string Text)>> ContainerLogsAsync(DockerClient docker, string id)
{
    using var stream = await docker.Containers.GetContainerLogsAsync(id, new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Timestamps = true }, CancellationToken.None);
    var (stdout, stderr) = await stream.ReadOutputToEndAsync(CancellationToken.None);
    var lines = new List<(DateTimeOffset, string)>();
    foreach (var line in (stdout + stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries))
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        lines.Add((ParseDockerTime(line[..space]), line[(space + 1)..]));
    }

    return lines.OrderBy(l => l.Item1).ToList();
}

// RFC 3339 with nanoseconds, UTC; .NET parses at most 7 fractional digits.
static DateTimeOffset ParseDockerTime(string stamp)
{
    var dot = stamp.IndexOf('.', StringComparison.Ordinal);
    var trimmed = dot < 0 ? stamp : stamp[..Math.Min(stamp.Length - 1, dot + 8)] + "Z";
    return DateTimeOffset.Parse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}

static async Task<(double FirstLog, double Completed)> WorkerRunAsync(PrefectClient client, Guid deploymentId)
{
    var run = await client.Deployments.CreateFlowRunFromDeploymentAsync(deploymentId);
    FlowRun current;
    do
    {
        await Task.Delay(50);
        current = await client.FlowRuns.ReadFlowRunAsync(run.Id);
    }
    while (current.StateType?.IsTerminal() != true);

    if (current.StateType != StateType.Completed)
    {
        throw new InvalidOperationException($"run ended {current.StateName}: {current.State?.Message}");
    }

    // The first time the run entered each state type.
    var states = (await client.FlowRuns.ReadFlowRunStatesAsync(run.Id)).GroupBy(s => s.Type).ToDictionary(g => g.Key, g => g.Min(s => s.Timestamp!.Value));
    var logs = await client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [run.Id] } } });
    var first = logs.Min(l => l.Timestamp);
    return ((first - states[StateType.Pending]).TotalMilliseconds, (states[StateType.Completed] - states[StateType.Pending]).TotalMilliseconds);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static string MiB(long bytes) => $"{bytes / 1024.0 / 1024.0:0.0} MiB";

static string RepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Deploy.Build.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("repository root not found");
}

string? StringArg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

sealed class Variant(string name, string @base, string[] properties)
{
    public string Name { get; } = name;
    public string Base { get; } = @base;
    public string[] Properties { get; } = properties;
    public string Image { get; set; } = "";
    public double BuildSeconds { get; set; }
    public long Compressed { get; set; }
    public long AppLayerCompressed { get; set; }
    public long Uncompressed { get; set; }
    public Guid DeploymentId { get; set; }
    public List<double> StartToFirstLog { get; } = [];
    public List<double> StartToCompleted { get; } = [];
    public List<double> ProcessToFirstLog { get; } = [];
    public List<double> PodStartToFirstLog { get; } = [];
    public List<double> SubmitToFirstLog { get; } = [];
    public List<double> SubmitToCompleted { get; } = [];
}
