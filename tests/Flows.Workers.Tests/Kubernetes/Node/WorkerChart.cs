using System.Diagnostics;
using System.Text.Json.Nodes;
using k8s;

namespace Flows.Workers.Tests.Kubernetes.Node;

/// <summary>
/// deploy/charts/flows-worker rendered by the real helm (<c>.tools/bin/helm</c> from <c>bash .ci/helm.sh</c>, or
/// FLOWS_HELM), as JSON objects: what <c>helm install</c> would send to the API server.
/// </summary>
internal static class WorkerChart
{
    public static IReadOnlyList<JsonObject> Render(string release, string @namespace, params string[] sets)
    {
        var root = RepoRoot();
        var helm = Environment.GetEnvironmentVariable("FLOWS_HELM") is { Length: > 0 } set ? set : Path.Combine(root, ".tools", "bin", "helm");
        if (!File.Exists(helm))
        {
            throw new InvalidOperationException($"helm not found at {helm}: run 'bash .ci/helm.sh' (installs helm into .tools/bin) or set FLOWS_HELM.");
        }

        var start = new ProcessStartInfo(helm) { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "template", release, "deploy/charts/flows-worker", "--namespace", @namespace }.Concat(sets.SelectMany(s => new[] { "--set", s })))
        {
            start.ArgumentList.Add(argument);
        }

        // helm must not read or write the user's repositories, cache or plugins.
        var home = Path.Combine(Path.GetTempPath(), "flows-workers-tests-helm");
        start.Environment["HELM_CACHE_HOME"] = Path.Combine(home, "cache");
        start.Environment["HELM_CONFIG_HOME"] = Path.Combine(home, "config");
        start.Environment["HELM_DATA_HOME"] = Path.Combine(home, "data");
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("helm template did not finish within a minute");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"helm template exited {process.ExitCode}: {error.Result}");
        }

        // The client's YAML reader types each document by apiVersion/kind, as kubectl would read them.
        return KubernetesYaml.LoadAllFromString(output.Result)
            .Select(o => (JsonObject)JsonNode.Parse(KubernetesJson.Serialize(o))!)
            .ToList();
    }

    public static JsonObject Single(IEnumerable<JsonObject> objects, string kind) =>
        objects.Single(o => (string?)o["kind"] == kind);

    private static string RepoRoot()
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
}
