using Flows.Kubernetes.Fake;
using Flows.Workers.Kubernetes;
using k8s;

namespace Flows.Workers.Tests.Kubernetes;

/// <summary>How the worker finds its cluster without a cluster_config block: KUBECONFIG (one file or several, merged
/// first-wins), as kubectl does. Found missing by bench/kubernetes, whose worker process is pointed at the fake this way.</summary>
[Collection(KubeconfigEnvironment.Name)]
public sealed class KubeconfigTests
{
    [Fact]
    public async Task KUBECONFIG_with_several_files_reaches_the_cluster_of_the_current_context()
    {
        await using var cluster = await FakeKubernetesApiServer.StartAsync(["prefect"]);
        var dir = Directory.CreateTempSubdirectory("flows-kubeconfig-").FullName;
        var contexts = Path.Combine(dir, "contexts.yaml");
        var clusters = Path.Combine(dir, "clusters.yaml");
        await File.WriteAllTextAsync(contexts, """
            apiVersion: v1
            kind: Config
            contexts: [{ name: fake, context: { cluster: fake, user: bench, namespace: prefect } }]
            users: [{ name: bench, user: { token: t } }]
            current-context: fake
            """);
        await File.WriteAllTextAsync(clusters, $$"""
            apiVersion: v1
            kind: Config
            clusters: [{ name: fake, cluster: { server: "{{cluster.Url}}" } }]
            """);
        var before = Environment.GetEnvironmentVariable("KUBECONFIG");
        Environment.SetEnvironmentVariable("KUBECONFIG", $"{contexts}{Path.PathSeparator}{clusters}");
        try
        {
            using var client = KubernetesInfrastructure.CreateClient(null);
            var jobs = await client.BatchV1.ListNamespacedJobAsync("prefect");
            Assert.Empty(jobs.Items);
            Assert.Contains(cluster.Requests, r => r.Method == "GET" && r.Path.EndsWith("/namespaces/prefect/jobs", StringComparison.Ordinal));
        }
        finally
        {
            Environment.SetEnvironmentVariable("KUBECONFIG", before);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_KUBECONFIG_naming_a_missing_file_is_one_clear_error()
    {
        var before = Environment.GetEnvironmentVariable("KUBECONFIG");
        Environment.SetEnvironmentVariable("KUBECONFIG", Path.Combine(Path.GetTempPath(), "no-such-kubeconfig-" + Guid.NewGuid().ToString("N")));
        try
        {
            var e = Assert.Throws<KubernetesJobException>(() => KubernetesInfrastructure.CreateClient(null));
            Assert.StartsWith("FLOWS4102", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("KUBECONFIG", before);
        }
    }
}

/// <summary>Tests that change the process's KUBECONFIG run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KubeconfigEnvironment
{
    public const string Name = "KUBECONFIG";
}
