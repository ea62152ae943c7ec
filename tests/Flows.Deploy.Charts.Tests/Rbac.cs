namespace Flows.Deploy.Charts.Tests;

/// <summary>
/// The worker's rules, exactly: what src/Flows.Workers/Kubernetes calls (CreateNamespacedJob, ReadNamespacedJob,
/// ListNamespacedJob, DeleteNamespacedJob; ListNamespacedPod and its watch; ReadNamespacedPodLog; ListNamespacedEvent;
/// with api_key_secret CreateNamespacedSecret, ReadNamespacedSecret, ReplaceNamespacedSecret) plus pods get, as its
/// FLOWS4104 message asks.
/// </summary>
internal static class Rbac
{
    public static readonly string[] WorkerRules =
    [
        "batch | jobs | create,get,list,delete",
        "core | pods | get,list,watch",
        "core | pods/log | get",
        "core | events | list",
    ];

    public static readonly string[] WorkerRulesWithApiKeySecrets = [.. WorkerRules, "core | secrets | create,get,update"];
}
