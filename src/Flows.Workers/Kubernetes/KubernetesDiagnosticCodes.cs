namespace Flows.Workers.Kubernetes;

/// <summary>
/// Codes of the kubernetes worker's errors (FLOWS4100–4199). Each message that carries one says what to do about
/// it; it ends up in the Crashed state's message and in the worker's output.
/// </summary>
public static class KubernetesDiagnosticCodes
{
    /// <summary>The job has no image: the work pool and the deployment both leave the <c>image</c> variable unset.</summary>
    public const string NoImage = "FLOWS4100";

    /// <summary>A job variable or the rendered <c>job_manifest</c> has a shape the worker cannot use.</summary>
    public const string BadJobVariable = "FLOWS4101";

    /// <summary>No cluster to talk to: no <c>cluster_config</c>, not in a pod, no kubeconfig, or one that cannot be read.</summary>
    public const string NoCluster = "FLOWS4102";

    /// <summary>The API server did not answer.</summary>
    public const string ClusterUnreachable = "FLOWS4103";

    /// <summary>RBAC refused a call (403): the message names the verb and resource the worker's account lacks.</summary>
    public const string Forbidden = "FLOWS4104";

    /// <summary>The API server refused the Job or its Secret (missing namespace, exhausted quota, invalid object).</summary>
    public const string Refused = "FLOWS4105";

    /// <summary>The Job's pod was not Running within <c>pod_watch_timeout_seconds</c>; the message has its waiting reason.</summary>
    public const string PodNotStarted = "FLOWS4106";

    /// <summary>No event from the Job's pod within <c>job_watch_timeout_seconds</c>.</summary>
    public const string JobWatchTimeout = "FLOWS4107";

    /// <summary>The pod ended without a container exit code (evicted, deleted) or was killed (OOMKilled).</summary>
    public const string PodFailed = "FLOWS4108";

    /// <summary>The Job disappeared while the worker watched it (deleted by someone else).</summary>
    public const string JobGone = "FLOWS4109";
}
