using System.Globalization;
using System.Text.Json.Nodes;

namespace Flows.Kubernetes.Fake;

/// <summary>
/// A test-driven job controller. On create it makes the Job's pods at once (so a watch sees Job ADDED, pod ADDED,
/// Job MODIFIED in that order); the pods then stay put until a test moves them (<see cref="FakeKubernetesApiServer"/>
/// forwards SetPodRunning, SucceedPod, …). Job status follows its pods: active/ready/succeeded/failed, Complete or
/// Failed (BackoffLimitExceeded) conditions, a replacement pod after a failure within backoffLimit, and the TTL
/// controller's Foreground delete once ttlSecondsAfterFinished has passed on the fake clock.
/// </summary>
internal sealed class JobController
{
    private readonly Cluster _cluster;
    private readonly HashSet<string> _countedPods = [];

    public JobController(Cluster cluster)
    {
        _cluster = cluster;
        cluster.JobCreated = OnJobCreated;
    }

    private object Gate => _cluster.Store.Gate;

    public void OnJobCreated(JsonObject job)
    {
        lock (Gate)
        {
            _cluster.Mutate(ResourceKind.Jobs, job.Namespace(), job.Name()!, j =>
            {
                var status = j.Child("status");
                if (j["spec"]?["suspend"]?.GetValue<bool>() != true)
                {
                    status["startTime"] = _cluster.Clock.Timestamp();
                }

                status["active"] = 0;
                status["ready"] = 0;
                status["terminating"] = 0;
                status["uncountedTerminatedPods"] = new JsonObject();
            });
            Reconcile(job.Namespace()!, job.Name()!);
        }
    }

    /// <summary>Applies a test's change to a pod, then brings its Job's status and pods in line.</summary>
    public JsonObject ChangePod(string @namespace, string pod, Action<JsonObject> change)
    {
        lock (Gate)
        {
            var changed = _cluster.Mutate(ResourceKind.Pods, @namespace, pod, change);
            _cluster.Logs.Pulse();
            var owner = OwningJob(changed);
            if (owner is not null)
            {
                Reconcile(@namespace, owner);
            }

            return changed;
        }
    }

    /// <summary>The TTL-after-finished controller: deletes (Foreground) finished Jobs whose TTL has run out.</summary>
    public void CollectFinishedJobs()
    {
        lock (Gate)
        {
            var now = _cluster.Clock.Now;
            foreach (var job in _cluster.Store.Find(ResourceKind.Jobs, null, j => j["spec"]?["ttlSecondsAfterFinished"] is not null && FinishTime(j) is not null))
            {
                var ttl = job["spec"].Number("ttlSecondsAfterFinished");
                var finished = FinishTime(job);
                if (ttl is not null && finished is not null && job["metadata"]?["deletionTimestamp"] is null
                    && finished.Value.AddSeconds(ttl.Value) <= now)
                {
                    _cluster.Delete(ResourceKind.Jobs, job.Namespace(), job.Name()!, "Foreground");
                }
            }
        }
    }

    public void RecordEvent(string @namespace, JsonObject involved, string type, string reason, string message, string component)
    {
        lock (Gate)
        {
            var now = _cluster.Clock.Timestamp();
            var name = $"{involved.Name()}.{Random.Shared.NextInt64(0x100000000000, 0xFFFFFFFFFFFF).ToString("x", CultureInfo.InvariantCulture)}";
            var involvedObject = new JsonObject
            {
                ["kind"] = involved.String("kind"),
                ["namespace"] = @namespace,
                ["name"] = involved.Name(),
                ["apiVersion"] = involved.String("apiVersion"),
            };
            if (involved.Uid() is { } uid)
            {
                involvedObject["uid"] = uid;
            }

            _cluster.Create(ResourceKind.Events, @namespace, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Event",
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = @namespace },
                ["involvedObject"] = involvedObject,
                ["type"] = type,
                ["reason"] = reason,
                ["message"] = message,
                ["source"] = new JsonObject { ["component"] = component },
                ["reportingComponent"] = component,
                ["reportingInstance"] = "",
                ["firstTimestamp"] = now,
                ["lastTimestamp"] = now,
                ["count"] = 1,
            });
        }
    }

    private void Reconcile(string @namespace, string jobName)
    {
        var job = _cluster.Store.Get(ResourceKind.Jobs, @namespace, jobName);
        if (job is null || job["metadata"]?["deletionTimestamp"] is not null || FinishTime(job) is not null)
        {
            return;
        }

        var uid = job.Uid()!;
        var spec = job["spec"]!;
        var pods = _cluster.Store.Find(ResourceKind.Pods, @namespace, p => p.IsOwnedBy(uid));
        var status = job["status"] ?? new JsonObject();
        var succeeded = status.Number("succeeded") ?? 0;
        var failed = status.Number("failed") ?? 0;
        foreach (var pod in pods.Where(p => IsTerminal(p) && _countedPods.Add(p.Uid()!)))
        {
            if (pod["status"].String("phase") == "Succeeded")
            {
                succeeded++;
            }
            else
            {
                failed++;
            }
        }

        var active = pods.Where(p => !IsTerminal(p)).ToList();
        var completions = spec.Number("completions") ?? 1;
        var parallelism = spec.Number("parallelism") ?? 1;
        var backoffLimit = spec.Number("backoffLimit") ?? 6;
        var suspended = spec["suspend"]?.GetValue<bool>() == true;
        var now = _cluster.Clock.Timestamp();
        string? finish = null;
        if (failed > backoffLimit)
        {
            finish = "Failed";
        }
        else if (succeeded >= completions)
        {
            finish = "Complete";
        }
        else if (!suspended)
        {
            var wanted = Math.Min(parallelism, completions - succeeded) - active.Count;
            for (var i = 0; i < wanted; i++)
            {
                var pod = CreatePod(job);
                if (pod is not null)
                {
                    active.Add(pod);
                }
            }
        }

        _cluster.Mutate(ResourceKind.Jobs, @namespace, jobName, j =>
        {
            var s = j.Child("status");
            s["active"] = finish is null ? active.Count : 0;
            s["ready"] = finish is null ? active.Count(IsReady) : 0;
            Set(s, "succeeded", succeeded);
            Set(s, "failed", failed);
            if (finish == "Complete")
            {
                s["completionTime"] = now;
                s.ChildArray("conditions").Add(Condition("Complete", "True", null, null, now));
            }
            else if (finish == "Failed")
            {
                s.ChildArray("conditions").Add(Condition("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now));
            }
        });
        if (finish == "Complete")
        {
            RecordEvent(@namespace, job, "Normal", "Completed", "Job completed", "job-controller");
        }
        else if (finish == "Failed")
        {
            RecordEvent(@namespace, job, "Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit", "job-controller");
        }

        if (finish is not null)
        {
            CollectFinishedJobs();
        }
    }

    private JsonObject? CreatePod(JsonObject job)
    {
        var @namespace = job.Namespace()!;
        var template = job["spec"]!["template"]!;
        var metadata = (JsonObject?)template["metadata"]?.DeepClone() ?? new JsonObject();
        metadata.Remove("name");
        metadata["generateName"] = job.Name() + "-";
        metadata["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["name"] = job.Name(),
            ["uid"] = job.Uid(),
            ["controller"] = true,
            ["blockOwnerDeletion"] = true,
        });
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = metadata,
            ["spec"] = template["spec"]?.DeepClone(),
        };
        try
        {
            var created = _cluster.Create(ResourceKind.Pods, @namespace, pod);
            RecordEvent(@namespace, job, "Normal", "SuccessfulCreate", $"Created pod: {created.Name()}", "job-controller");
            return created;
        }
        catch (StatusException error)
        {
            // As the real controller: a refused pod (quota, …) is an event on the Job, not an error anywhere else.
            RecordEvent(@namespace, job, "Warning", "FailedCreate", $"Error creating: {error.Message}", "job-controller");
            return null;
        }
    }

    public static JsonObject Condition(string type, string status, string? reason, string? message, string now)
    {
        var condition = new JsonObject { ["type"] = type, ["status"] = status, ["lastProbeTime"] = now, ["lastTransitionTime"] = now };
        if (reason is not null)
        {
            condition["reason"] = reason;
        }

        if (message is not null)
        {
            condition["message"] = message;
        }

        return condition;
    }

    private static void Set(JsonObject status, string name, long value)
    {
        if (value > 0)
        {
            status[name] = value;
        }
    }

    private static string? OwningJob(JsonObject pod) =>
        (pod["metadata"]?["ownerReferences"] as JsonArray)?.FirstOrDefault(r => r.String("kind") == "Job" && r?["controller"]?.GetValue<bool>() == true).String("name");

    private static bool IsTerminal(JsonObject pod) => pod["status"].String("phase") is "Succeeded" or "Failed";

    private static bool IsReady(JsonObject pod) =>
        (pod["status"]?["conditions"] as JsonArray)?.Any(c => c.String("type") == "Ready" && c.String("status") == "True") == true;

    private static DateTimeOffset? FinishTime(JsonObject job)
    {
        var condition = (job["status"]?["conditions"] as JsonArray)?
            .FirstOrDefault(c => c.String("type") is "Complete" or "Failed" && c.String("status") == "True");
        return condition.String("lastTransitionTime") is { } time ? DateTimeOffset.Parse(time, CultureInfo.InvariantCulture) : null;
    }
}
