using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Flows.Kubernetes.Fake.Tests;

/// <summary>Jobs as a worker would send them, and reading the Status body out of the client's exception.</summary>
internal static class TestJobs
{
    public const string Namespace = "prefect";

    /// <summary>Generous bound for waits that should finish at once; a hang fails the test instead of blocking CI.</summary>
    public static CancellationToken Bounded() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    public static V1Job Job(string? name = "hello-run", string? generateName = null, string restartPolicy = "Never", int? ttl = null) => new()
    {
        ApiVersion = "batch/v1",
        Kind = "Job",
        Metadata = new V1ObjectMeta { Name = name, GenerateName = generateName, Labels = new Dictionary<string, string> { ["prefect.io/flow-run-id"] = "0b5e8f3a" } },
        Spec = new V1JobSpec
        {
            BackoffLimit = 0,
            TtlSecondsAfterFinished = ttl,
            Template = new V1PodTemplateSpec
            {
                Spec = new V1PodSpec
                {
                    RestartPolicy = restartPolicy,
                    Containers = [new V1Container { Name = "prefect-job", Image = "localhost:5000/hello:abc123", Args = ["run"] }],
                },
            },
        },
    };

    public static async Task<(FakeKubernetesApiServer Fake, k8s.Kubernetes Client)> StartAsync()
    {
        var fake = await FakeKubernetesApiServer.StartAsync([Namespace]);
        return (fake, new k8s.Kubernetes(new KubernetesClientConfiguration { Host = fake.Url }));
    }

    /// <summary>The Status the server answered, from the client's exception (the worker reads it the same way).</summary>
    public static async Task<V1Status> StatusOfAsync(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<HttpOperationException>(call);
        var status = KubernetesJson.Deserialize<V1Status>(error.Response.Content);
        Assert.Equal((int)error.Response.StatusCode, status.Code);
        return status;
    }

    public static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}
