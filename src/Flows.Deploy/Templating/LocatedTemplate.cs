using System.Text.Json.Nodes;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Loading;

namespace Flows.Deploy.Templating;

/// <summary>Renders a value of a loaded document leaf by leaf, so every failing placeholder is reported (not just the
/// first) with the file:line:col of the string that holds it.</summary>
public static class LocatedTemplate
{
    public static JsonNode? Render(TemplateEngine engine, JsonNode? node, YamlDocument document, string pointer, List<DeployDiagnostic> errors) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, Render(engine, p.Value, document, $"{pointer}/{Escape(p.Key)}", errors)))),
        JsonArray arr => new JsonArray(arr.Select((v, i) => Render(engine, v, document, $"{pointer}/{i}", errors)).ToArray()),
        JsonValue v when v.TryGetValue<string>(out var s) && s.Contains("{{", StringComparison.Ordinal) => RenderLeaf(engine, v, document, pointer, errors),
        _ => node?.DeepClone(),
    };

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
