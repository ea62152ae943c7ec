using System.Text.Json.Nodes;

namespace Flows.Kubernetes.Fake;

/// <summary>
/// A parsed <c>fieldSelector</c>: <c>path=value</c>, <c>path==value</c>, <c>path!=value</c>, comma-joined. Paths are
/// read from the object itself (<c>metadata.name</c>, <c>metadata.namespace</c>, <c>status.phase</c>,
/// <c>involvedObject.name</c>), which covers the fields the real server indexes for pods, jobs and events.
/// </summary>
public sealed class FieldSelector
{
    private readonly List<(string Path, string Value, bool Equal)> _terms = [];

    public static FieldSelector Parse(string? text)
    {
        var selector = new FieldSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            var notEqual = part.IndexOf("!=", StringComparison.Ordinal);
            if (notEqual > 0)
            {
                selector._terms.Add((part[..notEqual], part[(notEqual + 2)..], false));
                continue;
            }

            var equal = part.IndexOf('=', StringComparison.Ordinal);
            if (equal <= 0)
            {
                throw StatusException.BadRequest($"invalid selector: '{text}'; can't understand '{part}'");
            }

            selector._terms.Add((part[..equal], part[(equal + 1)..].TrimStart('='), true));
        }

        return selector;
    }

    public bool Matches(JsonObject obj) => _terms.TrueForAll(t => (Read(obj, t.Path) == t.Value) == t.Equal);

    private static string Read(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var segment in path.Split('.'))
        {
            node = (node as JsonObject)?[segment];
        }

        return node is JsonValue value ? value.ToString() : "";
    }
}
