using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Docker.DotNet;
using Flows.Kubernetes.Fake;
using Flows.Kubernetes.Fake.Host;
using k8s;

// The fake Kubernetes API server as a process: what scripts/kubernetes-path.sh runs in place of a cluster.
HostOptions options;
try
{
    options = HostOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine($"error: {e.Message}\n{HostOptions.Usage}");
    return 2;
}

using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stopping.Cancel(); };
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stopping.Cancel(); });

using var docker = options.DockerNode ? new DockerClientBuilder().WithTimeout(Timeout.InfiniteTimeSpan).Build() : null;
await using var fake = await FakeKubernetesApiServer.StartAsync(new FakeApiServerOptions
{
    Namespaces = options.Namespaces,
    Rbac = options.Rbac,
    DockerNode = docker,
    Port = options.Port,
});

// Compiling the Job and Pod schemas (600 KB each) takes seconds; done now, the first Job a worker creates does not wait on it.
var warming = Task.Run(() =>
{
    foreach (var kind in new[] { ResourceKind.Jobs, ResourceKind.Pods })
    {
        SchemaValidator.Validate(kind, new JsonObject { ["apiVersion"] = kind.ApiVersion, ["kind"] = kind.Kind, ["metadata"] = new JsonObject { ["name"] = "warm-up" } });
    }
});

Directory.CreateDirectory(options.StateDir);
foreach (var file in options.Apply)
{
    foreach (var obj in KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(file)))
    {
        var created = fake.Create((JsonObject)JsonNode.Parse(KubernetesJson.Serialize(obj))!);
        Console.WriteLine($"created {created["kind"]} {created["metadata"]!["namespace"]}/{created["metadata"]!["name"]}");
    }
}

if (options.KubeconfigFrom is { } from)
{
    var (ns, name) = (from.Split('/')[0], from.Split('/')[1]);
    var secret = fake.GetSecret(ns, name) ?? throw new InvalidOperationException($"--kubeconfig-from: no Secret {from}");
    var token = secret.Data?.TryGetValue("token", out var bytes) == true ? Encoding.UTF8.GetString(bytes) : throw new InvalidOperationException($"--kubeconfig-from: Secret {from} has no token (is it a service-account-token Secret for an existing ServiceAccount?)");
    await File.WriteAllTextAsync(Path.Combine(options.StateDir, "kubeconfig"), $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: fake
          cluster:
            server: {fake.Url}
        users:
        - name: {name}
          user:
            token: {token}
        contexts:
        - name: fake
          context:
            cluster: fake
            user: {name}
            namespace: {ns}
        current-context: fake
        """);
}

await File.WriteAllTextAsync(Path.Combine(options.StateDir, "admin-token"), fake.AdminToken ?? "");
await File.WriteAllTextAsync(Path.Combine(options.StateDir, "node-id"), fake.NodeId ?? "");
await warming;
// The url last: a script waiting for it knows everything else is in place.
await File.WriteAllTextAsync(Path.Combine(options.StateDir, "url"), fake.Url);
Console.WriteLine($"fake Kubernetes API server on {fake.Url} (rbac: {options.Rbac}, docker node: {fake.NodeId ?? "none"}, clock rate {options.ClockRate})");

// The clock follows real time at the chosen rate; refusals are printed as they come.
var clock = Stopwatch.StartNew();
var advanced = TimeSpan.Zero;
var printed = 0;
while (!stopping.IsCancellationRequested)
{
    try
    {
        await Task.Delay(TimeSpan.FromMilliseconds(200), stopping.Token);
    }
    catch (OperationCanceledException)
    {
        break;
    }

    var due = clock.Elapsed * options.ClockRate;
    fake.AdvanceClock(due - advanced);
    advanced = due;
    var refusals = fake.Refusals;
    for (; printed < refusals.Count; printed++)
    {
        Console.WriteLine($"refused: {refusals[printed]}");
    }
}

Console.WriteLine($"stopping; {fake.Refusals.Count} request(s) refused");
return 0;
