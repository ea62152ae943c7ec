using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Flows.Api.Client;

namespace Flows.Workers.Rendering;

/// <summary>A reference the worker must resolve at run time does not resolve; its message carries a FLOWS40xx code.</summary>
public sealed class RunTimeReferenceException(string message) : Exception(message);

/// <summary>
/// The second rendering pass, over the whole rendered job configuration: the references the deploy engine
/// leaves for the worker (<c>{{ ctx.flow_run.name }}</c>, <c>{{ prefect.variables.NAME }}</c>) inside
/// deployment and flow run <c>job_variables</c>, which the first pass copies in as text. Prefect's worker does
/// the same for variables (<c>resolve_variables</c> after <c>apply_values</c>), so secrets are read when the
/// run starts and never stored resolved. A string that is one reference takes its JSON value; inside longer
/// text a value is written as text (JSON for non-strings). A <c>ctx</c> path that does not exist follows the
/// first pass's rule (removed, or empty inside text). A variable that does not exist is an error here
/// (<see cref="WorkerDiagnosticCodes.MissingVariable"/>), where Prefect substitutes an empty string: a silently
/// empty password fails later, further from its cause. Other placeholders are left as they are.
/// </summary>
public static partial class RunTimeReferences
{
    private const string VariablePrefix = "prefect.variables.";

    public static async Task<JsonObject> ResolveAsync(JsonObject configuration, JsonObject context, IVariableOperations variables, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(variables);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        Collect(configuration, names);
        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var variable = await variables.ReadVariableByNameAsync(name, cancellationToken).ConfigureAwait(false);
            values[name] = variable is null ? throw new RunTimeReferenceException(
                    $"{WorkerDiagnosticCodes.MissingVariable}: the job refers to {{{{ prefect.variables.{name} }}}} but there is no variable '{name}'. Create it (POST /variables/, or in the UI) or remove the reference from the deployment's job_variables.")
                : JsonNode.Parse(variable.Value.ValueKind == JsonValueKind.Undefined ? "null" : variable.Value.GetRawText());
        }

        return (JsonObject)Apply(configuration, path => Lookup(path, context, values))!;
    }

    private static void Collect(JsonNode? node, SortedSet<string> names)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    Collect(child, names);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Collect(item, names);
                }

                break;
            case JsonValue value when value.TryGetValue<string>(out var text):
                foreach (Match match in Reference().Matches(text))
                {
                    if (match.Groups[1].Value.StartsWith(VariablePrefix, StringComparison.Ordinal))
                    {
                        names.Add(match.Groups[1].Value[VariablePrefix.Length..]);
                    }
                }

                break;
        }
    }

    /// <summary>Rewrites the tree; a whole-string reference that resolves to nothing removes its key or item.</summary>
    private static JsonNode? Apply(JsonNode? node, Func<string, (bool Found, JsonNode? Value)> lookup)
    {
        switch (node)
        {
            case JsonObject obj:
                var result = new JsonObject();
                foreach (var (key, child) in obj)
                {
                    if (Whole(child) is { } path && !lookup(path).Found)
                    {
                        continue;
                    }

                    result[key] = Apply(child, lookup);
                }

                return result;
            case JsonArray array:
                var list = new JsonArray();
                foreach (var item in array)
                {
                    if (Whole(item) is { } path && !lookup(path).Found)
                    {
                        continue;
                    }

                    list.Add(Apply(item, lookup));
                }

                return list;
            case JsonValue value when value.TryGetValue<string>(out var text):
                if (Whole(value) is { } whole)
                {
                    return lookup(whole).Value?.DeepClone();
                }

                return Reference().Replace(text, m =>
                {
                    var (found, replacement) = lookup(m.Groups[1].Value);
                    return !found || replacement is null ? string.Empty
                        : replacement is JsonValue v && v.TryGetValue<string>(out var s) ? s : replacement.ToJsonString();
                });
            default:
                return node?.DeepClone();
        }
    }

    private static (bool Found, JsonNode? Value) Lookup(string path, JsonObject context, Dictionary<string, JsonNode?> variables)
    {
        if (path.StartsWith(VariablePrefix, StringComparison.Ordinal))
        {
            // Every variable was fetched (or refused) before the rewrite.
            return (true, variables[path[VariablePrefix.Length..]]);
        }

        JsonNode? current = context;
        foreach (var part in path["ctx.".Length..].Split('.'))
        {
            if (current is not JsonObject obj || !obj.TryGetPropertyValue(part, out current))
            {
                return (false, null);
            }
        }

        return (current is not null, current);
    }

    private static string? Whole(JsonNode? node)
    {
        if (node is JsonValue value && value.TryGetValue<string>(out var text))
        {
            var match = Reference().Match(text);
            return match.Success && match.Index == 0 && match.Length == text.Length ? match.Groups[1].Value : null;
        }

        return null;
    }

    [GeneratedRegex(@"\{\{\s*(ctx\.[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*|prefect\.variables\.[A-Za-z0-9_\-]+)\s*\}\}")]
    private static partial Regex Reference();
}
