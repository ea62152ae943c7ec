using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Flows.Kubernetes.Fake.Node;

/// <summary>
/// What the kubelet gives the container runtime for a pod's container, computed as Kubernetes does it:
/// the argv from <c>command</c>/<c>args</c> over the image's ENTRYPOINT/CMD (command replaces the entrypoint and
/// drops the image's CMD; args alone replace only the CMD), <c>$(VAR)</c> references expanded from the container's
/// env, <c>env</c> with <c>valueFrom</c> Secret and ConfigMap keys and downward-API fields, <c>workingDir</c>, and
/// the memory limit (so OOMKilled is real). Pure: Secrets and ConfigMaps come through an <see cref="ObjectLookup"/>.
/// </summary>
/// <param name="Argv">The whole command line: the first entry is Docker's Entrypoint, the rest its Cmd.</param>
/// <param name="Env">NAME=value, in the pod's order.</param>
/// <param name="WorkingDir">The container's workingDir, or null for the image's.</param>
/// <param name="MemoryLimitBytes">resources.limits.memory in bytes, or null.</param>
internal sealed record PodContainerSpec(IReadOnlyList<string> Argv, IReadOnlyList<string> Env, string? WorkingDir, long? MemoryLimitBytes)
{
    /// <summary>Reads a stored object: (kind "Secret" or "ConfigMap", namespace, name) → the object or null.</summary>
    public delegate JsonObject? ObjectLookup(string kind, string @namespace, string name);

    public static PodContainerSpec From(JsonObject pod, JsonObject container, IReadOnlyList<string> imageEntrypoint, IReadOnlyList<string> imageCmd, ObjectLookup lookup)
    {
        var @namespace = pod.Namespace()!;
        var env = new List<KeyValuePair<string, string>>();
        foreach (var entry in (container["env"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var name = entry.String("name")!;
            string? value;
            if (entry["valueFrom"] is JsonObject from)
            {
                value = ValueFrom(pod, @namespace, from, lookup);
                if (value is null)
                {
                    continue; // an optional reference that is missing: the variable is not set
                }
            }
            else
            {
                // A value may refer to variables defined before it: $(NAME).
                value = Expand(entry.String("value") ?? "", env);
            }

            env.RemoveAll(e => e.Key == name);
            env.Add(new(name, value));
        }

        var command = Strings(container["command"]);
        var args = Strings(container["args"]);
        List<string> argv = command is not null
            ? [.. command.Select(c => Expand(c, env)), .. (args ?? []).Select(a => Expand(a, env))]
            : [.. imageEntrypoint, .. args is not null ? args.Select(a => Expand(a, env)) : imageCmd];
        if (argv.Count == 0)
        {
            throw new ContainerConfigException("no command specified");
        }

        long? memory = container["resources"]?["limits"]?["memory"] is JsonValue m ? ParseQuantity(m.ToString()) : null;
        return new PodContainerSpec(argv, env.Select(e => $"{e.Key}={e.Value}").ToList(), container.String("workingDir"), memory);
    }

    /// <summary>Kubernetes' $(VAR) expansion: defined variables are replaced, $$ escapes, anything else stays as written.</summary>
    public static string Expand(string input, IReadOnlyList<KeyValuePair<string, string>> env)
    {
        var output = new StringBuilder();
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] == '$' && i + 1 < input.Length && input[i + 1] == '$')
            {
                output.Append('$');
                i++;
                continue;
            }

            if (input[i] == '$' && i + 1 < input.Length && input[i + 1] == '(')
            {
                var close = input.IndexOf(')', i + 2);
                if (close > 0)
                {
                    var name = input[(i + 2)..close];
                    var found = env.LastOrDefault(e => e.Key == name);
                    if (found.Key is not null)
                    {
                        output.Append(found.Value);
                        i = close;
                        continue;
                    }
                }
            }

            output.Append(input[i]);
        }

        return output.ToString();
    }

    /// <summary>A memory quantity ("512Mi", "1G", "128974848", "1e3") in bytes.</summary>
    public static long ParseQuantity(string quantity)
    {
        string[] binary = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
        string[] decimals = ["k", "M", "G", "T", "P", "E"];
        for (var i = 0; i < binary.Length; i++)
        {
            if (quantity.EndsWith(binary[i], StringComparison.Ordinal))
            {
                return (long)(decimal.Parse(quantity[..^2], CultureInfo.InvariantCulture) * (decimal)Math.Pow(1024, i + 1));
            }
        }

        for (var i = 0; i < decimals.Length; i++)
        {
            if (quantity.EndsWith(decimals[i], StringComparison.Ordinal))
            {
                return (long)(decimal.Parse(quantity[..^1], CultureInfo.InvariantCulture) * (decimal)Math.Pow(1000, i + 1));
            }
        }

        return (long)double.Parse(quantity, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static string? ValueFrom(JsonObject pod, string @namespace, JsonObject from, ObjectLookup lookup)
    {
        if (from["secretKeyRef"] is JsonObject secretRef)
        {
            var value = KeyOf(lookup("Secret", @namespace, secretRef.String("name") ?? ""), "Secret", "secret", @namespace, secretRef, "data");
            return value is null ? null : Encoding.UTF8.GetString(Convert.FromBase64String(value));
        }

        if (from["configMapKeyRef"] is JsonObject configMapRef)
        {
            return KeyOf(lookup("ConfigMap", @namespace, configMapRef.String("name") ?? ""), "ConfigMap", "configmap", @namespace, configMapRef, "data");
        }

        if (from["fieldRef"] is JsonObject fieldRef)
        {
            return Field(pod, fieldRef.String("fieldPath") ?? "");
        }

        // resourceFieldRef (limits.cpu, …) needs the node's allocatable resources, which this node does not model.
        throw new ContainerConfigException($"unsupported valueFrom {from.ToJsonString()} (the fake node resolves secretKeyRef, configMapKeyRef and fieldRef)");
    }

    /// <summary>The kubelet's messages, word for word: 'secret "x" not found', 'couldn't find key K in Secret ns/x'.</summary>
    private static string? KeyOf(JsonObject? source, string kind, string lowerKind, string @namespace, JsonObject reference, string dataField)
    {
        var name = reference.String("name") ?? "";
        var key = reference.String("key") ?? "";
        var optional = reference["optional"] is JsonValue o && o.TryGetValue<bool>(out var b) && b;
        if (source is null)
        {
            return optional ? null : throw new ContainerConfigException($"{lowerKind} \"{name}\" not found");
        }

        var value = source[dataField].String(key);
        return value is not null || optional ? value : throw new ContainerConfigException($"couldn't find key {key} in {kind} {@namespace}/{name}");
    }

    /// <summary>The downward API's fieldRef paths (pods/status fields as the kubelet resolves them).</summary>
    private static string Field(JsonObject pod, string path)
    {
        var metadata = pod["metadata"];
        var spec = pod["spec"];
        var status = pod["status"];
        if (path.StartsWith("metadata.labels['", StringComparison.Ordinal) || path.StartsWith("metadata.annotations['", StringComparison.Ordinal))
        {
            var map = path.StartsWith("metadata.labels", StringComparison.Ordinal) ? "labels" : "annotations";
            var key = path[(path.IndexOf('\'', StringComparison.Ordinal) + 1)..path.LastIndexOf('\'')];
            return metadata?[map].String(key) ?? "";
        }

        return path switch
        {
            "metadata.name" => metadata.String("name") ?? "",
            "metadata.namespace" => metadata.String("namespace") ?? "",
            "metadata.uid" => metadata.String("uid") ?? "",
            "spec.nodeName" => spec.String("nodeName") ?? "",
            "spec.serviceAccountName" => spec.String("serviceAccountName") ?? "default",
            "status.hostIP" or "status.hostIPs" => status.String("hostIP") ?? "",
            "status.podIP" or "status.podIPs" => status.String("podIP") ?? "",
            _ => throw new ContainerConfigException($"unsupported fieldRef fieldPath \"{path}\""),
        };
    }

    private static List<string>? Strings(JsonNode? node) => (node as JsonArray)?.Select(n => n?.GetValue<string>() ?? "").ToList();
}
