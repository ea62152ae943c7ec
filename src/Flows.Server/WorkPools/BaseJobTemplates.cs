using System.Text.Json;

namespace Flows.Server.WorkPools;

/// <summary>Default base job templates for the worker types this project ships (embedded JSON).</summary>
public static class BaseJobTemplates
{
    /// <summary>The default template for <paramref name="type"/>, or null for an unknown type.</summary>
    public static JsonElement? ForType(string type)
    {
        using var stream = typeof(BaseJobTemplates).Assembly.GetManifestResourceStream($"Flows.Server.Templates.{type}.json");
        if (stream is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(stream);
        return document.RootElement.Clone();
    }
}
