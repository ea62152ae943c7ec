using Flows.Workers.Kubernetes;
using k8s.Models;

namespace Flows.Workers.Tests.Kubernetes;

/// <summary>The pod watch's state machine, event by event, without a cluster.</summary>
public sealed class PodWatchTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private static PodWatch Watch(int backoffLimit = 0, TimeSpan? jobWatchTimeout = null) =>
        new("prefect", "hello-abc", "prefect-job", new KubernetesWatchSettings(TimeSpan.FromSeconds(300), jobWatchTimeout, StreamOutput: true, backoffLimit, ClusterConfig: null), Start);

    private static V1Pod Pod(string name, string phase, V1ContainerState? state = null, string? reason = null, string? message = null, V1PodCondition? condition = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "prefect-job" }] },
        Status = new V1PodStatus
        {
            Phase = phase, Reason = reason, Message = message,
            Conditions = condition is null ? null : [condition],
            ContainerStatuses = state is null ? null : [new V1ContainerStatus { Name = "prefect-job", State = state, Image = "i", ImageID = "i", Ready = false, RestartCount = 0 }],
        },
    };

    private static V1ContainerState Terminated(int code, string? reason = null) => new() { Terminated = new V1ContainerStateTerminated { ExitCode = code, Reason = reason } };

    [Fact]
    public void A_pending_pod_keeps_its_waiting_reason_and_the_pod_deadline_stands()
    {
        var watch = Watch();
        var step = watch.Observe(Pod("p1", "Pending", new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ImagePullBackOff", Message = "Back-off pulling image" } }), deleted: false, Start.AddSeconds(5));

        Assert.Null(step.Result);
        Assert.Equal("ImagePullBackOff: Back-off pulling image", watch.Waiting);
        Assert.Equal(Start.AddSeconds(300), watch.Deadline(Start.AddSeconds(5)));
        Assert.False(watch.EverRan);
    }

    [Fact]
    public void An_unschedulable_pod_says_the_schedulers_verdict()
    {
        var watch = Watch();
        watch.Observe(Pod("p1", "Pending", condition: new V1PodCondition { Type = "PodScheduled", Status = "False", Reason = "Unschedulable", Message = "0/3 nodes are available" }), false, Start);

        Assert.Equal("Unschedulable: 0/3 nodes are available", watch.Waiting);
    }

    [Fact]
    public void A_running_pod_starts_once_and_the_deadline_follows_the_job_watch_timeout()
    {
        var watch = Watch(jobWatchTimeout: TimeSpan.FromSeconds(60));
        var first = watch.Observe(Pod("p1", "Running"), false, Start.AddSeconds(10));
        var again = watch.Observe(Pod("p1", "Running"), false, Start.AddSeconds(20));

        Assert.Equal(("p1", "Pod prefect/p1 is running."), (first.StartedPod, first.Message));
        Assert.Null(again.StartedPod);
        Assert.Equal(Start.AddSeconds(80), watch.Deadline(Start.AddSeconds(20)));
        var unbounded = Watch();
        unbounded.Observe(Pod("p1", "Running"), false, Start);
        Assert.Null(unbounded.Deadline(Start)); // no job_watch_timeout: a running pod is watched as long as it runs
    }

    [Fact]
    public void Success_ends_the_run_with_exit_code_zero()
    {
        var watch = Watch();
        watch.Observe(Pod("p1", "Running"), false, Start);
        var step = watch.Observe(Pod("p1", "Succeeded", Terminated(0)), false, Start.AddSeconds(3));

        Assert.Equal(new InfrastructureResult(0), step.Result);
    }

    [Fact]
    public void A_failure_the_job_retries_is_not_the_end_and_gives_the_next_pod_its_own_deadline()
    {
        var watch = Watch(backoffLimit: 1);
        var failed = watch.Observe(Pod("p1", "Failed", Terminated(1, "Error")), false, Start.AddSeconds(30));
        var second = watch.Observe(Pod("p2", "Failed", Terminated(2, "Error")), false, Start.AddSeconds(60));

        Assert.Null(failed.Result);
        Assert.Contains("the Job retries (1/1)", failed.Message, StringComparison.Ordinal);
        Assert.Equal(2, second.Result!.ExitCode);
        Assert.Contains("exited with code 2 (Error)", second.Result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void OomKilled_evicted_and_deleted_pods_say_what_happened()
    {
        var oom = Watch().Observe(Pod("p1", "Failed", Terminated(137, "OOMKilled")), false, Start).Result!;
        var evicted = Watch().Observe(Pod("p1", "Failed", reason: "Evicted", message: "The node was low on resource: memory. "), false, Start).Result!;
        var deleted = Watch().Observe(Pod("p1", "Running"), deleted: true, Start).Result!;

        Assert.Equal(137, oom.ExitCode);
        Assert.Contains("OOMKilled", oom.Reason, StringComparison.Ordinal);
        Assert.Contains("was Evicted: The node was low on resource: memory.", evicted.Reason, StringComparison.Ordinal);
        Assert.Contains("was deleted before its container ended", deleted.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pod_that_already_ended_is_not_judged_twice()
    {
        var watch = Watch(backoffLimit: 3);
        watch.Observe(Pod("p1", "Failed", Terminated(1)), false, Start);
        var replay = watch.Observe(Pod("p1", "Failed", Terminated(1)), false, Start.AddSeconds(1));

        Assert.Equal(PodWatchStep.Continue, replay);
        Assert.Equal(1, watch.Failures);
    }
}
