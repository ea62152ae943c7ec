using System.Globalization;
using System.Text.Json.Nodes;

namespace Flows.Kubernetes.Fake.Node;

/// <summary>
/// The user a pod's container runs as, and the kubelet's <c>runAsNonRoot</c> check (kuberuntime's verifyRunAsNonRoot):
/// the container's securityContext wins over the pod's; with runAsNonRoot, a runAsUser of 0 is refused, and without a
/// runAsUser the image's USER must be a numeric non-zero uid (a name cannot be verified, none means root). A refusal is
/// CreateContainerConfigError with the kubelet's message, as a real node gives it.
/// </summary>
internal static class RunAsUser
{
    /// <summary>Docker's <c>User</c> for the container ("uid", "uid:gid" or "" for the image's), after the check.</summary>
    public static string Resolve(JsonObject pod, JsonObject container, string imageUser)
    {
        var podContext = pod["spec"]?["securityContext"] as JsonObject;
        var containerContext = container["securityContext"] as JsonObject;
        var uid = Long(containerContext, "runAsUser") ?? Long(podContext, "runAsUser");
        var gid = Long(containerContext, "runAsGroup") ?? Long(podContext, "runAsGroup");
        var nonRoot = Bool(containerContext, "runAsNonRoot") ?? Bool(podContext, "runAsNonRoot") ?? false;
        var where = $"pod: \"{pod.Name()}_{pod.Namespace()}({pod["metadata"]?["uid"]})\", container: {container.String("name")}";
        if (nonRoot)
        {
            if (uid == 0)
            {
                throw new ContainerConfigException($"container's runAsUser breaks non-root policy ({where})");
            }

            if (uid is null)
            {
                var imageUid = imageUser.Split(':')[0];
                if (imageUid.Length == 0 || imageUid == "root")
                {
                    throw new ContainerConfigException($"container has runAsNonRoot and image will run as root ({where})");
                }

                if (!long.TryParse(imageUid, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                {
                    throw new ContainerConfigException($"container has runAsNonRoot and image has non-numeric user ({imageUid}), cannot verify user is non-root ({where})");
                }

                if (parsed == 0)
                {
                    throw new ContainerConfigException($"container has runAsNonRoot and image will run as root ({where})");
                }
            }
        }

        return (uid, gid) switch
        {
            (null, null) => string.Empty,
            ({ } u, null) => u.ToString(CultureInfo.InvariantCulture),
            (null, { } g) => $"{(imageUser.Length == 0 ? "0" : imageUser.Split(':')[0])}:{g}",
            ({ } u, { } g) => $"{u}:{g}",
        };
    }

    private static long? Long(JsonObject? context, string name) =>
        context?[name] is JsonValue v && v.TryGetValue<long>(out var l) ? l : null;

    private static bool? Bool(JsonObject? context, string name) =>
        context?[name] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;
}
