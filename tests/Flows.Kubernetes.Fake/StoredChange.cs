using System.Text.Json.Nodes;

namespace Flows.Kubernetes.Fake;

/// <summary>One committed change: the global resourceVersion it got, the object after it and, for MODIFIED, before it.</summary>
internal sealed record StoredChange(long ResourceVersion, ResourceKind Kind, string? Namespace, string Type, JsonObject Object, JsonObject? Previous);
