namespace Flows.Kubernetes.Fake;

/// <summary>One REST resource the fake serves: where it lives on the wire and which schema its objects must match.</summary>
/// <param name="Plural">The path segment and RBAC resource name ("jobs").</param>
/// <param name="Group">The API group ("" for core, "batch").</param>
/// <param name="Version">The API version ("v1").</param>
/// <param name="Kind">The object kind ("Job").</param>
/// <param name="Namespaced">False for cluster-scoped resources (namespaces).</param>
/// <param name="SchemaFile">The embedded strict JSON Schema objects are validated against.</param>
/// <param name="NameIsLabel">True when names must be RFC 1123 labels (namespaces) rather than subdomains.</param>
public sealed record ResourceKind(string Plural, string Group, string Version, string Kind, bool Namespaced, string SchemaFile, bool NameIsLabel = false)
{
    public static readonly ResourceKind Namespaces = new("namespaces", "", "v1", "Namespace", false, "namespace-v1.json", NameIsLabel: true);
    public static readonly ResourceKind Pods = new("pods", "", "v1", "Pod", true, "pod-v1.json");
    public static readonly ResourceKind Secrets = new("secrets", "", "v1", "Secret", true, "secret-v1.json");
    public static readonly ResourceKind ConfigMaps = new("configmaps", "", "v1", "ConfigMap", true, "configmap-v1.json");
    public static readonly ResourceKind ServiceAccounts = new("serviceaccounts", "", "v1", "ServiceAccount", true, "serviceaccount-v1.json");
    public static readonly ResourceKind Events = new("events", "", "v1", "Event", true, "event-v1.json");
    public static readonly ResourceKind Jobs = new("jobs", "batch", "v1", "Job", true, "job-batch-v1.json");
    public static readonly ResourceKind Roles = new("roles", "rbac.authorization.k8s.io", "v1", "Role", true, "role-rbac-v1.json");
    public static readonly ResourceKind RoleBindings = new("rolebindings", "rbac.authorization.k8s.io", "v1", "RoleBinding", true, "rolebinding-rbac-v1.json");
    public static readonly ResourceKind ClusterRoles = new("clusterroles", "rbac.authorization.k8s.io", "v1", "ClusterRole", false, "clusterrole-rbac-v1.json");
    public static readonly ResourceKind ClusterRoleBindings = new("clusterrolebindings", "rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", false, "clusterrolebinding-rbac-v1.json");

    public static IReadOnlyList<ResourceKind> All { get; } =
        [Namespaces, Pods, Secrets, ConfigMaps, ServiceAccounts, Events, Jobs, Roles, RoleBindings, ClusterRoles, ClusterRoleBindings];

    /// <summary>"v1" or "batch/v1", as objects carry it.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>"jobs.batch" or "pods": how the API server names the resource in error messages.</summary>
    public string QualifiedResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>"Job.batch" or "Pod": how the API server names the kind in 422 messages.</summary>
    public string QualifiedKind => Group.Length == 0 ? Kind : $"{Kind}.{Group}";

    public static ResourceKind? Find(string group, string version, string plural) =>
        All.FirstOrDefault(k => k.Group == group && k.Version == version && k.Plural == plural);
}
