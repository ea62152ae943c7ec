using k8s.Models;

namespace Flows.Workers.Kubernetes;

/// <summary>What one step of the pod watch asks of the caller.</summary>
/// <param name="Result">The run's end, once a pod ended and the Job will not retry it; null while it goes on.</param>
/// <param name="StartedPod">A pod that has just started (its log is worth following).</param>
/// <param name="Message">A line for the worker's output, if any.</param>
public sealed record PodWatchStep(InfrastructureResult? Result, string? StartedPod = null, string? Message = null)
{
    public static readonly PodWatchStep Continue = new(Result: null);
}

/// <summary>
/// The pod watch's state machine, without I/O: <see cref="KubernetesInfrastructure"/> lists and watches a Job's pods and
/// feeds each pod it sees to <see cref="Observe"/>, which says whether the run has ended (and how), whether a pod just
/// started, and when the watch must give up (<see cref="Deadline"/>): until a pod runs, <c>pod_watch_timeout_seconds</c>
/// after the start (or after a failed pod the Job retries under its <c>backoffLimit</c>); once one runs, the last
/// event plus <c>job_watch_timeout_seconds</c>, if set. Unit-tested event by event in PodWatchTests.
/// </summary>
public sealed class PodWatch(string @namespace, string jobName, string? containerName, KubernetesWatchSettings settings, DateTimeOffset start)
{
    private readonly HashSet<string> _running = new(StringComparer.Ordinal);
    private readonly HashSet<string> _finished = new(StringComparer.Ordinal);

    public KubernetesWatchSettings Settings { get; } = settings;

    public string Namespace { get; } = @namespace;

    public string JobName { get; } = jobName;

    public DateTimeOffset PodDeadline { get; private set; } = start + settings.PodWatchTimeout;

    public DateTimeOffset? LastEvent { get; private set; }

    /// <summary>Whether any pod of the Job was seen.</summary>
    public bool SawPod { get; private set; }

    /// <summary>Why the pod is not running yet (a container's waiting reason, or the scheduler's verdict).</summary>
    public string? Waiting { get; private set; }

    /// <summary>Failed pods the Job retried.</summary>
    public int Failures { get; private set; }

    /// <summary>Whether a pod ever ran.</summary>
    public bool EverRan => _running.Count > 0;

    /// <summary>Takes in one pod's state, as listed (<paramref name="fromWatch"/> false) or as a watch event.</summary>
    public PodWatchStep Observe(V1Pod pod, bool deleted, DateTimeOffset now, bool fromWatch = true)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (fromWatch)
        {
            LastEvent = now;
        }

        var name = pod.Metadata.Name;
        SawPod = true;
        if (_finished.Contains(name))
        {
            return PodWatchStep.Continue;
        }

        var phase = pod.Status?.Phase;
        var container = pod.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == containerName) ?? pod.Status?.ContainerStatuses?.FirstOrDefault();
        string? started = null;
        string? message = null;
        if (phase is "Running" or "Succeeded" or "Failed" && _running.Add(name))
        {
            started = name;
            message = phase == "Running" ? $"Pod {Namespace}/{name} is running." : null;
        }

        if (phase == "Pending")
        {
            Waiting = WaitingReason(pod, container);
        }

        if (phase is "Succeeded" or "Failed" || deleted)
        {
            _finished.Add(name);
            var result = Ended(pod, container, deleted);
            if (result.ExitCode != 0 && !deleted && Failures < Settings.BackoffLimit)
            {
                // The Job will make another pod (backoffLimit); that pod gets its own pod_watch_timeout.
                Failures++;
                PodDeadline = now + Settings.PodWatchTimeout;
                return new PodWatchStep(null, started, $"Pod {Namespace}/{name} failed ({result.Reason}); the Job retries ({Failures}/{Settings.BackoffLimit}).");
            }

            return new PodWatchStep(result, started, message);
        }

        return new PodWatchStep(null, started, message);
    }

    /// <summary>Until a pod runs: the pod watch deadline; after: the last event plus job_watch_timeout_seconds, if set.</summary>
    public DateTimeOffset? Deadline(DateTimeOffset now)
    {
        if (_running.Count == _finished.Count)
        {
            return PodDeadline;
        }

        return Settings.JobWatchTimeout is { } timeout ? (LastEvent ?? now) + timeout : null;
    }

    private InfrastructureResult Ended(V1Pod pod, V1ContainerStatus? container, bool deleted)
    {
        var name = pod.Metadata.Name;
        var terminated = container?.State?.Terminated;
        if (pod.Status?.Reason == "Evicted")
        {
            return new InfrastructureResult(terminated?.ExitCode ?? -1, $"{KubernetesDiagnosticCodes.PodFailed}: pod {Namespace}/{name} was Evicted: {pod.Status.Message?.Trim()}");
        }

        if (terminated is null)
        {
            return deleted
                ? new InfrastructureResult(-1, $"{KubernetesDiagnosticCodes.PodFailed}: pod {Namespace}/{name} was deleted before its container ended")
                : new InfrastructureResult(-1, $"{KubernetesDiagnosticCodes.PodFailed}: pod {Namespace}/{name} ended {pod.Status?.Phase} without a container exit code{(pod.Status?.Reason is { } r ? $" ({r}: {pod.Status.Message})" : string.Empty)}");
        }

        if (terminated.ExitCode == 0)
        {
            return new InfrastructureResult(0);
        }

        var reason = terminated.Reason == "OOMKilled"
            ? $"{KubernetesDiagnosticCodes.PodFailed}: container {container!.Name} of pod {Namespace}/{name} was OOMKilled (exit code {terminated.ExitCode}): raise memory_limit, or use less memory"
            : $"container {container!.Name} of pod {Namespace}/{name} exited with code {terminated.ExitCode}{(terminated.Reason is { } why ? $" ({why}{(terminated.Message is { } m ? ": " + m : string.Empty)})" : string.Empty)}";
        return new InfrastructureResult(terminated.ExitCode, reason);
    }

    /// <summary>Why a pending pod is not running: a container's waiting reason, or the scheduler's verdict.</summary>
    private static string? WaitingReason(V1Pod pod, V1ContainerStatus? container)
    {
        if (container?.State?.Waiting is { Reason: { Length: > 0 } reason } waiting)
        {
            return waiting.Message is { Length: > 0 } message ? $"{reason}: {message}" : reason;
        }

        var scheduled = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "False");
        if (scheduled is not null)
        {
            return $"{scheduled.Reason ?? "Unschedulable"}{(scheduled.Message is { Length: > 0 } m ? ": " + m : string.Empty)}";
        }

        return null;
    }
}
