using System.Text.Json.Nodes;
using Flows.Kubernetes.Fake.Node;

namespace Flows.Kubernetes.Fake.Tests;

/// <summary>The node's runAsNonRoot check and the user it gives Docker, by the kubelet's rules (pure).</summary>
public sealed class RunAsUserTests
{
    private static string Resolve(string podContext, string containerContext, string imageUser)
    {
        var pod = (JsonObject)JsonNode.Parse($$"""{ "metadata": { "name": "hello-abcde", "namespace": "prefect", "uid": "u-1" }, "spec": { "securityContext": {{podContext}} } }""")!;
        var container = (JsonObject)JsonNode.Parse($$"""{ "name": "prefect-job", "securityContext": {{containerContext}} }""")!;
        return RunAsUser.Resolve(pod, container, imageUser);
    }

    [Theory]
    [InlineData("""{ "runAsNonRoot": true }""", "{}", "1654", "")]                   // our images: numeric non-root USER
    [InlineData("""{ "runAsNonRoot": true }""", "{}", "1654:1654", "")]
    [InlineData("""{ "runAsNonRoot": true, "runAsUser": 1000 }""", "{}", "", "1000")]  // a runAsUser wins over the image's root
    [InlineData("""{ "runAsUser": 1000, "runAsGroup": 2000 }""", "{}", "", "1000:2000")]
    [InlineData("{}", """{ "runAsUser": 7 }""", "root", "7")]
    [InlineData("{}", "{}", "", "")]                                                   // no policy: the image's user, root included
    [InlineData("""{ "runAsNonRoot": true }""", """{ "runAsNonRoot": false }""", "", "")] // the container's setting wins
    public void Allowed_users_run_as_the_kubelet_would_run_them(string pod, string container, string imageUser, string dockerUser) =>
        Assert.Equal(dockerUser, Resolve(pod, container, imageUser));

    [Theory]
    [InlineData("""{ "runAsNonRoot": true }""", "{}", "", "container has runAsNonRoot and image will run as root")]
    [InlineData("""{ "runAsNonRoot": true }""", "{}", "root", "container has runAsNonRoot and image will run as root")]
    [InlineData("""{ "runAsNonRoot": true }""", "{}", "0:0", "container has runAsNonRoot and image will run as root")]
    [InlineData("""{ "runAsNonRoot": true }""", "{}", "app", "container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root")]
    [InlineData("{}", """{ "runAsNonRoot": true, "runAsUser": 0 }""", "1654", "container's runAsUser breaks non-root policy")]
    public void Refused_users_are_create_container_config_errors_with_the_kubelets_message(string pod, string container, string imageUser, string message)
    {
        var error = Assert.Throws<ContainerConfigException>(() => Resolve(pod, container, imageUser));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Contains("container: prefect-job", error.Message, StringComparison.Ordinal);
    }
}
