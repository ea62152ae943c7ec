using System.Text;
using System.Text.Json.Nodes;

namespace Flows.Kubernetes.Fake;

/// <summary>
/// The defaults and server-side rewrites the real API server applies on create (SetDefaults_*, PrepareForCreate),
/// the ones a client can observe in what it reads back. Job labels/selector need the uid, so they run after it is set.
/// </summary>
internal static class Defaulting
{
    public static void Apply(ResourceKind kind, JsonObject obj)
    {
        if (kind == ResourceKind.Jobs)
        {
            Job(obj);
        }
        else if (kind == ResourceKind.Pods)
        {
            PodSpec(obj.Child("spec"));
            var status = obj.Child("status");
            status["phase"] ??= "Pending";
            status["qosClass"] ??= "BestEffort";
        }
        else if (kind == ResourceKind.Secrets)
        {
            Secret(obj);
        }
        else if (kind == ResourceKind.Namespaces)
        {
            var labels = obj.Metadata().Child("labels");
            labels["kubernetes.io/metadata.name"] = obj.Name();
            obj.Child("spec")["finalizers"] = new JsonArray("kubernetes");
            obj.Child("status")["phase"] = "Active";
        }
    }

    /// <summary>batch/v1 PrepareForCreate: the controller-uid selector and the four labels every Job pod carries.</summary>
    public static void JobLabels(JsonObject job)
    {
        var uid = job.Uid()!;
        var name = job.Name()!;
        var spec = job.Child("spec");
        spec["selector"] ??= new JsonObject { ["matchLabels"] = new JsonObject { ["batch.kubernetes.io/controller-uid"] = uid } };
        var templateMeta = spec.Child("template").Child("metadata");
        var labels = templateMeta.Child("labels");
        labels["batch.kubernetes.io/controller-uid"] = uid;
        labels["batch.kubernetes.io/job-name"] = name;
        labels["controller-uid"] = uid;
        labels["job-name"] = name;
        // A Job without labels of its own takes its pod template's (as `kubectl get job -o yaml` shows).
        if (job.Metadata()["labels"] is not JsonObject { Count: > 0 })
        {
            job.Metadata()["labels"] = labels.DeepClone();
        }
    }

    private static void Job(JsonObject job)
    {
        var spec = job.Child("spec");
        if (spec["completions"] is null && spec["parallelism"] is null)
        {
            spec["completions"] = 1;
            spec["parallelism"] = 1;
        }

        spec["parallelism"] ??= 1;
        spec["backoffLimit"] ??= 6;
        spec["completionMode"] ??= "NonIndexed";
        spec["suspend"] ??= false;
        if (spec["podFailurePolicy"] is null)
        {
            spec["podReplacementPolicy"] ??= "TerminatingOrFailed";
        }

        PodSpec(spec.Child("template").Child("spec"));
        job.Metadata()["generation"] = 1;
    }

    private static void PodSpec(JsonObject podSpec)
    {
        // An empty restartPolicy defaults to Always, which a Job then refuses: the real server's famous 422.
        podSpec["restartPolicy"] ??= "Always";
        podSpec["dnsPolicy"] ??= "ClusterFirst";
        podSpec["schedulerName"] ??= "default-scheduler";
        podSpec["securityContext"] ??= new JsonObject();
        podSpec["terminationGracePeriodSeconds"] ??= 30;
        foreach (var container in (podSpec["containers"] as JsonArray ?? []).OfType<JsonObject>())
        {
            container["terminationMessagePath"] ??= "/dev/termination-log";
            container["terminationMessagePolicy"] ??= "File";
            container["resources"] ??= new JsonObject();
            if (container["imagePullPolicy"] is null)
            {
                var image = container.String("image") ?? "";
                var lastPart = image[(image.LastIndexOf('/') + 1)..];
                container["imagePullPolicy"] = !lastPart.Contains(':', StringComparison.Ordinal) || lastPart.EndsWith(":latest", StringComparison.Ordinal) ? "Always" : "IfNotPresent";
            }
        }
    }

    // stringData is write-only: the server merges it into data (base64) and never returns it.
    private static void Secret(JsonObject secret)
    {
        secret["type"] ??= "Opaque";
        if (secret["stringData"] is JsonObject stringData)
        {
            var data = secret.Child("data");
            foreach (var (key, value) in stringData)
            {
                data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value?.ToString() ?? ""));
            }

            secret.Remove("stringData");
        }
    }
}
