namespace Flows.Kubernetes.Fake;

/// <summary>A ResourceQuota that is already used up: creates of <paramref name="Resource"/> in the namespace are refused.</summary>
/// <param name="Namespace">The namespace the quota lives in.</param>
/// <param name="Resource">"pods" (also refuses the job controller's pods) or another plural ("jobs").</param>
/// <param name="QuotaName">The ResourceQuota's name, which the real message carries.</param>
/// <param name="Limit">The limit reported as used and limited.</param>
public sealed record QuotaRule(string Namespace, string Resource, string QuotaName, int Limit);
