using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Flows.Deploy.Diagnostics;

namespace Flows.Deploy.Templating;

/// <summary>A placeholder that cannot be resolved; the caller adds file:line:col.</summary>
public sealed class TemplateException(string code, string message, string fix) : Exception(message)
{
    public string Code { get; } = code;
    public string Fix { get; } = fix;
}

/// <summary>
/// Renders <c>{{ $ENV }}</c>, <c>{{ step-id.key }}</c> and bare <c>{{ key }}</c> placeholders in prefect.yaml values,
/// in this project's semantics (reference/prefect/README.md): strict, JSON text when embedded, single pass.
/// <c>ctx.*</c> and <c>prefect.variables.*</c> are left for the worker so secrets are never stored resolved.
/// References to <paramref name="deferredSteps"/> (pull steps, which run later on the worker) are left verbatim too.
/// </summary>
public sealed partial class TemplateEngine(
    IReadOnlyDictionary<string, JsonObject> stepOutputs,
    Func<string, string?> environment,
    IReadOnlySet<string>? deferredSteps = null)
{
    // Anything between braces; whether it is a placeholder is decided by Expression, so "{{ not valid }}" stays text.
    [GeneratedRegex(@"\{\{(?<inner>[^{}]*)\}\}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^\s*(?<ref>\$[A-Za-z_][A-Za-z0-9_]*|[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[[0-9]+\])*)\s*(?:\?\?\s*(?<default>[^\s].*?))?\s*$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Expression();

    /// <summary>Renders a value recursively. Keys are not templated.</summary>
    public JsonNode? Render(JsonNode? template) => template switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, Render(p.Value)))),
        JsonArray arr => new JsonArray(arr.Select(Render).ToArray()),
        JsonValue v when v.TryGetValue<string>(out var s) => RenderString(s),
        _ => template?.DeepClone(),
    };

    // Successful renderings by text: one engine serves every deployment that shares the step outputs, and their
    // templates repeat ("{{ build-image.image }}" in each of 500 deployments). Failures are not kept, so they throw again.
    private readonly Dictionary<string, JsonNode?> _rendered = new(StringComparer.Ordinal);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private JsonNode? RenderString(string text)
    {
        if (_rendered.TryGetValue(text, out var known))
        {
            return known?.DeepClone();
        }

        var rendered = RenderStringUncached(text);
        _rendered[text] = rendered?.DeepClone();
        return rendered;
    }

    private JsonNode? RenderStringUncached(string text)
    {
        var matches = Placeholder().Matches(text);
        if (matches.Count == 0)
        {
            return JsonValue.Create(text);
        }

        // A whole-string placeholder keeps the value's JSON type.
        if (matches.Count == 1 && matches[0].Length == text.Length && TryResolve(matches[0].Groups["inner"].Value, out var whole))
        {
            return whole?.DeepClone();
        }

        var sb = new StringBuilder();
        var last = 0;
        foreach (Match m in matches)
        {
            sb.Append(text, last, m.Index - last);
            sb.Append(TryResolve(m.Groups["inner"].Value, out var value) ? AsText(value) : m.Value);
            last = m.Index + m.Length;
        }

        sb.Append(text, last, text.Length - last);
        return JsonValue.Create(sb.ToString());
    }

    private static string AsText(JsonNode? value) => value switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => value.ToJsonString(),
    };

    /// <summary>False when the text is not a placeholder this stage resolves (left verbatim).</summary>
    private bool TryResolve(string inner, out JsonNode? value)
    {
        value = null;
        var m = Expression().Match(inner);
        if (!m.Success)
        {
            return false;
        }

        var reference = m.Groups["ref"].Value;
        var fallback = m.Groups["default"].Success ? m.Groups["default"].Value : null;
        if (reference.StartsWith("ctx.", StringComparison.Ordinal) || reference.StartsWith("prefect.variables.", StringComparison.Ordinal))
        {
            return false;
        }

        if (reference.StartsWith("prefect.blocks.", StringComparison.Ordinal))
        {
            throw new TemplateException(DiagnosticCodes.TemplateBlockRefused, $"'{{{{ {reference} }}}}': block references are not supported",
                "Use {{ prefect.variables.NAME }} (resolved by the worker at run time) or an environment variable");
        }

        if (reference[0] == '$')
        {
            var name = reference[1..];
            var env = environment(name);
            value = env is not null ? JsonValue.Create(env) : fallback is not null ? JsonValue.Create(fallback)
                : throw new TemplateException(DiagnosticCodes.TemplateMissingEnv, $"environment variable '{name}' is not set",
                    $"Set {name}, or write {{{{ ${name} ?? default }}}}");
            return true;
        }

        var segments = Segments(reference);
        if (deferredSteps is not null && segments.Count > 1 && segments[0] is string first && deferredSteps.Contains(first) && !stepOutputs.ContainsKey(first))
        {
            return false;
        }

        if (!TryLookup(segments, reference, out value))
        {
            value = fallback is not null ? JsonValue.Create(fallback)
                : throw new TemplateException(DiagnosticCodes.TemplateMissingOutput, $"'{reference}' is not an output of any earlier step",
                    $"Check the step id and key (step outputs: {string.Join(", ", stepOutputs.Keys)}), or write {{{{ {reference} ?? default }}}}");
        }

        return true;
    }

    private bool TryLookup(List<object> segments, string reference, out JsonNode? value)
    {
        value = null;
        JsonNode? current;
        int start;
        if (segments[0] is string stepId && stepOutputs.TryGetValue(stepId, out var outputs) && segments.Count > 1)
        {
            current = outputs;
            start = 1;
        }
        else
        {
            // A bare key: allowed when exactly one step produced it.
            var producers = stepOutputs.Where(s => segments[0] is string k && s.Value.ContainsKey(k)).Select(s => s.Key).ToList();
            if (producers.Count > 1)
            {
                throw new TemplateException(DiagnosticCodes.TemplateAmbiguousKey, $"'{reference}' is ambiguous: produced by steps {string.Join(", ", producers)}",
                    $"Qualify it with the step id, e.g. {{{{ {producers[0]}.{reference} }}}}");
            }

            if (producers.Count == 0)
            {
                return false;
            }

            current = stepOutputs[producers[0]];
            start = 0;
        }

        for (var i = start; i < segments.Count; i++)
        {
            switch (segments[i], current)
            {
                case (string key, JsonObject o) when o.TryGetPropertyValue(key, out var next):
                    current = next;
                    break;
                case (int index, JsonArray a) when index < a.Count:
                    current = a[index];
                    break;
                default:
                    return false;
            }
        }

        value = current;
        return true;
    }

    private static List<object> Segments(string reference)
    {
        var result = new List<object>();
        foreach (var part in reference.Split('.'))
        {
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            result.Add(bracket < 0 ? part : part[..bracket]);
            foreach (Match m in Regex.Matches(bracket < 0 ? "" : part[bracket..], @"\[([0-9]+)\]", RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                result.Add(int.TryParse(m.Groups[1].Value, out var n) ? n : int.MaxValue);
            }
        }

        return result;
    }
}
