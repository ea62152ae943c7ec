using System.Text.Json.Nodes;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Loading;
using System.Runtime.CompilerServices;

namespace Flows.Deploy.Templating;

/// <summary>Renders a value of a loaded document leaf by leaf, so every failing placeholder is reported (not just the
/// first) with the file:line:col of the string that holds it.</summary>
public static class LocatedTemplate
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static JsonNode? Render(TemplateEngine engine, JsonNode? node, YamlDocument document, string pointer, List<DeployDiagnostic> errors)
    {
        // A value without placeholders renders to a copy of itself: no pointers are built for it.
        if (!HasPlaceholder(node))
        {
            return node?.DeepClone();
        }

        switch (node)
        {
            case JsonObject obj:
                var rendered = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    rendered[key] = Render(engine, value, document, $"{pointer}/{Escape(key)}", errors);
                }

                return rendered;
            case JsonArray arr:
                var items = new JsonNode?[arr.Count];
                for (var i = 0; i < items.Length; i++)
                {
                    items[i] = Render(engine, arr[i], document, $"{pointer}/{i}", errors);
                }

                return new JsonArray(items);
            default:
                return RenderLeaf(engine, (JsonValue)node!, document, pointer, errors);
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

    private static JsonNode? RenderLeaf(TemplateEngine engine, JsonValue value, YamlDocument document, string pointer, List<DeployDiagnostic> errors)
    {
        try
        {
            return engine.Render(value);
        }
        catch (TemplateException ex)
        {
            var (line, column) = document.PositionOf(pointer);
            errors.Add(new DeployDiagnostic(ex.Code, true, ex.Message, ex.Fix + ".", document.File, line, column));
            return value.DeepClone();
        }
    }

    private static string Escape(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
