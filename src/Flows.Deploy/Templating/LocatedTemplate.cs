using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Loading;

namespace Flows.Deploy.Templating;

/// <summary>Renders a value of a loaded document leaf by leaf, so every failing placeholder is reported (not just the
/// first) with the file:line:col of the string that holds it.</summary>
public static class LocatedTemplate
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static JsonNode? Render(TemplateEngine engine, JsonNode? node, YamlDocument document, string pointer, List<DeployDiagnostic> errors) =>
        // A value without placeholders renders to a copy of itself.
        HasPlaceholder(node) ? Render(engine, node!, document, new Location(pointer), errors) : node?.DeepClone();

    /// <summary>Renders the value under <paramref name="key"/> of the mapping at <paramref name="parentPointer"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static JsonNode? Render(TemplateEngine engine, JsonNode? node, YamlDocument document, string parentPointer, string key, List<DeployDiagnostic> errors)
    {
        if (!HasPlaceholder(node))
        {
            return node?.DeepClone();
        }

        var location = new Location(parentPointer);
        location.Below.Add((key, 0));
        return Render(engine, node!, document, location, errors);
    }

    // Where a value is, as the pointer it started from and the keys and indexes below it: the pointer text is only
    // written when a placeholder fails.
    private sealed class Location(string pointer)
    {
        public List<(string? Key, int Index)> Below { get; } = [];

        public override string ToString()
        {
            var text = new System.Text.StringBuilder(pointer);
            foreach (var (key, index) in Below)
            {
                text.Append('/');
                if (key is null)
                {
                    text.Append(index);
                }
                else
                {
                    text.Append(Escape(key));
                }
            }

            return text.ToString();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static JsonNode? Render(TemplateEngine engine, JsonNode node, YamlDocument document, Location location, List<DeployDiagnostic> errors)
    {
        switch (node)
        {
            case JsonObject obj:
                var rendered = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    location.Below.Add((key, 0));
                    rendered[key] = value is null ? null : Render(engine, value, document, location, errors);
                    location.Below.RemoveAt(location.Below.Count - 1);
                }

                return rendered;
            case JsonArray arr:
                var items = new JsonNode?[arr.Count];
                for (var i = 0; i < items.Length; i++)
                {
                    location.Below.Add((null, i));
                    items[i] = arr[i] is { } item ? Render(engine, item, document, location, errors) : null;
                    location.Below.RemoveAt(location.Below.Count - 1);
                }

                return new JsonArray(items);
            case JsonValue v when v.TryGetValue<string>(out var s) && s.Contains("{{", StringComparison.Ordinal):
                return RenderLeaf(engine, v, document, location, errors);
            default:
                return node.DeepClone();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool HasPlaceholder(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, value) in obj)
                {
                    if (HasPlaceholder(value))
                    {
                        return true;
                    }
                }

                return false;
            case JsonArray arr:
                foreach (var item in arr)
                {
                    if (HasPlaceholder(item))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValue v:
                return v.TryGetValue<string>(out var s) && s.Contains("{{", StringComparison.Ordinal);
            default:
                return false;
        }
    }

    private static JsonNode? RenderLeaf(TemplateEngine engine, JsonValue value, YamlDocument document, Location location, List<DeployDiagnostic> errors)
    {
        try
        {
            return engine.Render(value);
        }
        catch (TemplateException ex)
        {
            var (line, column) = document.PositionOf(location.ToString());
            errors.Add(new DeployDiagnostic(ex.Code, true, ex.Message, ex.Fix + ".", document.File, line, column));
            return value.DeepClone();
        }
    }

    private static string Escape(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
