using System.Text.Json.Nodes;

namespace Flows.Kubernetes.Fake;

/// <summary>
/// The pod status a kubelet would report for each situation a test drives, shaped like the real one (phase,
/// conditions, one containerStatus per container with its waiting/running/terminated state).
/// </summary>
internal static class PodStatus
{
    public const string NodeName = "fake-node";

    public static Action<JsonObject> Waiting(string reason, string? message, string now) => pod =>
    {
        var status = Scheduled(pod, now);
        status["phase"] = "Pending";
        SetContainers(pod, _ => new JsonObject { ["waiting"] = Reason(reason, message) }, ready: false, started: false);
    };

    public static Action<JsonObject> Unschedulable(string message, string now) => pod =>
    {
        var status = pod.Child("status");
        status["phase"] = "Pending";
        status["conditions"] = new JsonArray(JobController.Condition("PodScheduled", "False", "Unschedulable", message, now));
    };

    public static Action<JsonObject> Running(string now) => pod =>
    {
        var status = Scheduled(pod, now);
        status["phase"] = "Running";
        status["startTime"] ??= now;
        foreach (var type in new[] { "Initialized", "ContainersReady", "Ready" })
        {
            SetCondition(status, type, "True", now);
        }

        SetContainers(pod, _ => new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } }, ready: true, started: true);
    };

    public static Action<JsonObject> Terminated(string phase, int exitCode, string reason, string now) => pod =>
    {
        var status = Scheduled(pod, now);
        status["phase"] = phase;
        status["startTime"] ??= now;
        SetCondition(status, "Ready", "False", now);
        SetCondition(status, "ContainersReady", "False", now);
        SetContainers(pod, previous => new JsonObject
        {
            ["terminated"] = new JsonObject
            {
                ["exitCode"] = exitCode,
                ["reason"] = reason,
                ["startedAt"] = previous?["running"]?["startedAt"]?.DeepClone() ?? now,
                ["finishedAt"] = now,
            },
        }, ready: false, started: false);
    };

    /// <summary>Kubelet eviction: the pod fails with reason Evicted and a DisruptionTarget condition; the container is killed.</summary>
    public static Action<JsonObject> Evicted(string message, string now) => pod =>
    {
        Terminated("Failed", 137, "Error", now)(pod);
        var status = pod.Child("status");
        status["reason"] = "Evicted";
        status["message"] = message;
        status.ChildArray("conditions").Add(JobController.Condition("DisruptionTarget", "True", "TerminationByKubelet", message, now));
    };

    /// <summary>The kubelet enforcing activeDeadlineSeconds: the pod fails with reason DeadlineExceeded; the container is killed.</summary>
    public static Action<JsonObject> DeadlineExceeded(int exitCode, string now) => pod =>
    {
        Terminated("Failed", exitCode, "Error", now)(pod);
        var status = pod.Child("status");
        status["reason"] = "DeadlineExceeded";
        status["message"] = "Pod was active on the node longer than the specified deadline";
    };

    /// <summary>The image the runtime ran, as containerStatuses[].imageID reports it.</summary>
    public static Action<JsonObject> ImageId(string imageId) => pod =>
    {
        foreach (var status in (pod["status"]?["containerStatuses"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            status["imageID"] = imageId;
        }
    };

    private static JsonObject Scheduled(JsonObject pod, string now)
    {
        pod.Child("spec")["nodeName"] = NodeName;
        var status = pod.Child("status");
        status["hostIP"] = "10.0.0.1";
        status["podIP"] = "10.244.0.10";
        if (status["conditions"] is JsonArray conditions)
        {
            foreach (var unscheduled in conditions.Where(c => c.String("type") == "PodScheduled").ToList())
            {
                conditions.Remove(unscheduled);
            }
        }

        SetCondition(status, "PodScheduled", "True", now);
        SetCondition(status, "Initialized", "True", now);
        return status;
    }

    private static void SetCondition(JsonObject status, string type, string value, string now)
    {
        var conditions = status.ChildArray("conditions");
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => c.String("type") == type);
        if (existing is null)
        {
            conditions.Add(JobController.Condition(type, value, null, null, now));
        }
        else if (existing.String("status") != value)
        {
            existing["status"] = value;
            existing["lastTransitionTime"] = now;
        }
    }

    private static void SetContainers(JsonObject pod, Func<JsonNode?, JsonObject> state, bool ready, bool started)
    {
        var status = pod.Child("status");
        var previous = status["containerStatuses"] as JsonArray;
        var containers = pod["spec"]?["containers"] as JsonArray ?? [];
        status["containerStatuses"] = new JsonArray(containers.OfType<JsonObject>().Select(c =>
        {
            var before = previous?.FirstOrDefault(p => p.String("name") == c.String("name"))?["state"];
            return (JsonNode)new JsonObject
            {
                ["name"] = c.String("name"),
                ["image"] = c.String("image"),
                ["imageID"] = "",
                ["ready"] = ready,
                ["started"] = started,
                ["restartCount"] = 0,
                ["state"] = state(before),
            };
        }).ToArray());
    }

    private static JsonObject Reason(string reason, string? message)
    {
        var node = new JsonObject { ["reason"] = reason };
        if (message is not null)
        {
            node["message"] = message;
        }

        return node;
    }
}
