using System.Text;
using System.Text.Json.Nodes;
using Flows.Kubernetes.Fake.Node;

namespace Flows.Kubernetes.Fake.Tests;

/// <summary>The node's pod container → Docker settings, by Kubernetes' rules (pure; no Engine).</summary>
public sealed class PodContainerSpecTests
{
    private static readonly string[] ImageEntrypoint = ["dotnet", "/app/hello.dll"];
    private static readonly string[] ImageCmd = ["--name", "Image"];

    private static PodContainerSpec Spec(string containerJson, PodContainerSpec.ObjectLookup? lookup = null)
    {
        var pod = (JsonObject)JsonNode.Parse("""
            { "metadata": { "name": "hello-abcde", "namespace": "prefect", "uid": "u-1", "labels": { "job-name": "hello" } },
              "spec": { "nodeName": "fake-node", "serviceAccountName": "runner" }, "status": { "podIP": "10.244.0.10" } }
            """)!;
        return PodContainerSpec.From(pod, (JsonObject)JsonNode.Parse(containerJson)!, ImageEntrypoint, ImageCmd, lookup ?? ((_, _, _) => null));
    }

    [Theory]
    [InlineData("""{ }""", "dotnet /app/hello.dll --name Image")]                                  // neither: the image's entrypoint and cmd
    [InlineData("""{ "args": ["prefect", "flow-run", "execute"] }""", "dotnet /app/hello.dll prefect flow-run execute")] // args replace only the cmd
    [InlineData("""{ "command": ["sh", "-c"] }""", "sh -c")]                                        // command drops the image's cmd too
    [InlineData("""{ "command": ["sh", "-c"], "args": ["echo hi"] }""", "sh -c echo hi")]
    public void Command_and_args_override_the_images_entrypoint_and_cmd_as_Kubernetes_does(string container, string argv) =>
        Assert.Equal(argv, string.Join(' ', Spec(container).Argv));

    [Fact]
    public void Env_resolves_values_secret_and_configmap_keys_downward_fields_and_references_in_order()
    {
        var spec = Spec("""
            { "env": [
                { "name": "A", "value": "one" },
                { "name": "KEY", "valueFrom": { "secretKeyRef": { "name": "api", "key": "PREFECT_API_KEY" } } },
                { "name": "LEVEL", "valueFrom": { "configMapKeyRef": { "name": "settings", "key": "level" } } },
                { "name": "POD", "valueFrom": { "fieldRef": { "fieldPath": "metadata.name" } } },
                { "name": "NS", "valueFrom": { "fieldRef": { "fieldPath": "metadata.namespace" } } },
                { "name": "JOB", "valueFrom": { "fieldRef": { "fieldPath": "metadata.labels['job-name']" } } },
                { "name": "SA", "valueFrom": { "fieldRef": { "fieldPath": "spec.serviceAccountName" } } },
                { "name": "IP", "valueFrom": { "fieldRef": { "fieldPath": "status.podIP" } } },
                { "name": "GONE", "valueFrom": { "secretKeyRef": { "name": "missing", "key": "k", "optional": true } } },
                { "name": "B", "value": "$(A)-$(POD)-$$(A)-$(UNSET)" }
              ],
              "args": ["$(A)", "$(B)"], "workingDir": "/opt/prefect/flows", "resources": { "limits": { "memory": "64Mi" } } }
            """, (kind, ns, name) => (kind, ns, name) switch
        {
            ("Secret", "prefect", "api") => new JsonObject { ["data"] = new JsonObject { ["PREFECT_API_KEY"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("pnu_x")) } },
            ("ConfigMap", "prefect", "settings") => new JsonObject { ["data"] = new JsonObject { ["level"] = "DEBUG" } },
            _ => null,
        });

        Assert.Equal(
            ["A=one", "KEY=pnu_x", "LEVEL=DEBUG", "POD=hello-abcde", "NS=prefect", "JOB=hello", "SA=runner", "IP=10.244.0.10", "B=one-hello-abcde-$(A)-$(UNSET)"],
            spec.Env);
        Assert.Equal(["dotnet", "/app/hello.dll", "one", "one-hello-abcde-$(A)-$(UNSET)"], spec.Argv);
        Assert.Equal("/opt/prefect/flows", spec.WorkingDir);
        Assert.Equal(64L * 1024 * 1024, spec.MemoryLimitBytes);
    }

    [Theory]
    [InlineData("""{ "secretKeyRef": { "name": "api", "key": "k" } }""", "secret \"api\" not found")]
    [InlineData("""{ "configMapKeyRef": { "name": "present", "key": "absent" } }""", "couldn't find key absent in ConfigMap prefect/present")]
    public void A_missing_reference_is_the_kubelets_CreateContainerConfigError_message(string valueFrom, string message)
    {
        var error = Assert.Throws<ContainerConfigException>(() => Spec($$"""{ "env": [ { "name": "X", "valueFrom": {{valueFrom}} } ] }""",
            (kind, _, name) => kind == "ConfigMap" && name == "present" ? new JsonObject { ["data"] = new JsonObject() } : null));
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("512Mi", 536870912L)]
    [InlineData("1Gi", 1073741824L)]
    [InlineData("1G", 1000000000L)]
    [InlineData("128974848", 128974848L)]
    [InlineData("129e6", 129000000L)]
    public void Memory_quantities_are_bytes(string quantity, long bytes) => Assert.Equal(bytes, PodContainerSpec.ParseQuantity(quantity));

    [Theory]
    [InlineData("localhost:5000/hello:abc", "localhost:5000/hello", "abc")]
    [InlineData("localhost:5000/hello", "localhost:5000/hello", "latest")]
    [InlineData("localhost:5000/hello:abc@sha256:00ff", "localhost:5000/hello@sha256:00ff", "")]
    public void An_image_reference_is_split_for_the_Engines_pull(string image, string fromImage, string tag) =>
        Assert.Equal((fromImage, tag), ImagePull.Split(image));
}
