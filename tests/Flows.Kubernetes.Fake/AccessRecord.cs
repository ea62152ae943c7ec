namespace Flows.Kubernetes.Fake;

/// <summary>One authorization decision: who asked for which verb on which resource ("pods/log") where, and the answer.</summary>
/// <param name="User">"system:serviceaccount:prefect:flows-worker", or the deny list's configured user without RBAC.</param>
/// <param name="Verb">get, list, watch, create, update, patch, delete.</param>
/// <param name="Resource">The RBAC resource, with "/subresource".</param>
/// <param name="ApiGroup">"" for core, "batch", …</param>
/// <param name="Namespace">The request's namespace, or null at cluster scope.</param>
/// <param name="Allowed">False when answered 403.</param>
public sealed record AccessRecord(string User, string Verb, string Resource, string ApiGroup, string? Namespace, bool Allowed);
