namespace Flows.Kubernetes.Fake;

/// <summary>An RBAC refusal the test configured: this verb on this resource ("jobs", "pods/log"), in one namespace or all.</summary>
/// <param name="Verb">get, list, watch, create, update, patch, delete.</param>
/// <param name="Resource">The resource, with "/subresource" for subresources ("pods/log").</param>
/// <param name="Namespace">The namespace, or null for every namespace (and cluster scope).</param>
public sealed record AccessRule(string Verb, string Resource, string? Namespace)
{
    public bool Applies(string verb, string resource, string? @namespace) =>
        Verb == verb && Resource == resource && (Namespace is null || Namespace == @namespace);
}
