using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flows.Cli.Commands;

/// <summary><c>k=v</c> flags: the value is JSON when it parses, else text (<c>name=Arthur</c>, <c>count=3</c>).</summary>
internal static class KeyValues
{
    public static JsonObject? Parse(string flag, string[]? pairs, string? json)
    {
        JsonObject? result = null;
        if (json is not null)
        {
            try
            {
                result = JsonNode.Parse(json) as JsonObject;
            }
            catch (JsonException)
            {
                result = null;
            }

            if (result is null)
            {
                throw new ArgumentException($"{flag}s is not a JSON object; write {flag}s '{{\"name\": \"Arthur\"}}'.");
            }
        }

        foreach (var pair in pairs ?? [])
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException($"{flag} '{pair}' is not of the form key=value.");
            }

            result ??= [];
            JsonNode? value;
            try
            {
                value = JsonNode.Parse(pair[(eq + 1)..]);
            }
            catch (JsonException)
            {
                value = JsonValue.Create(pair[(eq + 1)..]);
            }

            result[pair[..eq]] = value;
        }

        return result;
    }

    public static Dictionary<string, JsonElement>? ToElements(JsonObject? obj) =>
        obj?.ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value));
}
