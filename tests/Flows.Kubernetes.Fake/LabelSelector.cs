using System.Text.Json.Nodes;

namespace Flows.Kubernetes.Fake;

/// <summary>
/// A parsed <c>labelSelector</c>: equality (<c>a=b</c>, <c>a==b</c>, <c>a!=b</c>) and set-based (<c>a in (x,y)</c>,
/// <c>a notin (x)</c>, <c>a</c>, <c>!a</c>) requirements, all of which must hold.
/// </summary>
public sealed class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> _requirements = [];

    public static LabelSelector Everything { get; } = new();

    public static LabelSelector Parse(string? text)
    {
        var selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in SplitTopLevel(text))
        {
            var part = raw.Trim();
            if (part.Length == 0)
            {
                continue;
            }

            selector._requirements.Add(ParseRequirement(part));
        }

        return selector;
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _requirements.TrueForAll(r => r(labels));

    public bool Matches(JsonObject obj) => Matches(LabelsOf(obj));

    public static Dictionary<string, string> LabelsOf(JsonObject obj) =>
        (obj["metadata"]?["labels"] as JsonObject)?.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!.GetValue<string>())
        ?? [];

    private static Func<IReadOnlyDictionary<string, string>, bool> ParseRequirement(string part)
    {
        if (part.StartsWith('!'))
        {
            var key = part[1..].Trim();
            return labels => !labels.ContainsKey(key);
        }

        var notin = part.IndexOf(" notin ", StringComparison.Ordinal);
        if (notin > 0)
        {
            var key = part[..notin].Trim();
            var values = SetValues(part[(notin + 7)..]);
            return labels => !labels.TryGetValue(key, out var v) || !values.Contains(v);
        }

        var @in = part.IndexOf(" in ", StringComparison.Ordinal);
        if (@in > 0)
        {
            var key = part[..@in].Trim();
            var values = SetValues(part[(@in + 4)..]);
            return labels => labels.TryGetValue(key, out var v) && values.Contains(v);
        }

        var notEqual = part.IndexOf("!=", StringComparison.Ordinal);
        if (notEqual > 0)
        {
            var key = part[..notEqual].Trim();
            var value = part[(notEqual + 2)..].Trim();
            return labels => !labels.TryGetValue(key, out var v) || v != value;
        }

        var equal = part.IndexOf('=', StringComparison.Ordinal);
        if (equal > 0)
        {
            var key = part[..equal].Trim();
            var value = part[(equal + 1)..].TrimStart('=').Trim();
            return labels => labels.TryGetValue(key, out var v) && v == value;
        }

        if (part.IndexOfAny([' ', '(', ')', '<', '>']) >= 0)
        {
            throw StatusException.BadRequest($"unable to parse requirement: {part}");
        }

        return labels => labels.ContainsKey(part);
    }

    private static HashSet<string> SetValues(string text)
    {
        var trimmed = text.Trim();
        if (!trimmed.StartsWith('(') || !trimmed.EndsWith(')'))
        {
            throw StatusException.BadRequest($"unable to parse requirement: found '{trimmed}', expected: '('");
        }

        return trimmed[1..^1].Split(',').Select(v => v.Trim()).ToHashSet(StringComparer.Ordinal);
    }

    // Commas separate requirements except inside the parentheses of a set.
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }
}
