using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Deploy.Planning;

namespace Flows.Cli.Commands;

/// <summary>The one parser of <c>k=v</c> flags (<c>--param</c>, <c>--job-variable</c>, <c>--set</c>, <c>--property</c>): the
/// value is JSON when it parses, else text (<c>name=Arthur</c>, <c>count=3</c>). Problems are <see cref="ArgumentException"/>s
/// whose message names the flag; the commands report them as FLOWS3002.</summary>
internal static class KeyValues
{
    /// <summary><paramref name="pair"/> split at its first '='; the key must not be empty.</summary>
    public static (string Key, string Value) Split(string flag, string pair)
    {
        var eq = pair.IndexOf('=', StringComparison.Ordinal);
        return eq > 0 ? (pair[..eq], pair[(eq + 1)..]) : throw new ArgumentException($"{flag} '{pair}' is not of the form key=value");
    }

    /// <summary>JSON when <paramref name="text"/> parses as JSON, else the text itself.</summary>
    public static JsonNode? Value(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    /// <summary>The pairs over <paramref name="json"/> (the <c>--params</c> form, an object) when given. deepMerge: a
    /// repeated key's objects are merged (<c>--job-variable</c>), else the last value wins.</summary>
    public static JsonObject? Parse(string flag, string[]? pairs, string? json, bool deepMerge = false)
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
                throw new ArgumentException($"{flag}s is not a JSON object; write {flag}s '{{\"name\": \"Arthur\"}}'");
            }
        }

        foreach (var pair in pairs ?? [])
        {
            var (key, text) = Split(flag, pair);
            result ??= [];
            var value = Value(text);
            result[key] = deepMerge
                ? JsonMerge.Merge(new JsonObject { [key] = result[key]?.DeepClone() }, new JsonObject { [key] = value })[key]?.DeepClone()
                : value;
        }

        return result;
    }

    public static Dictionary<string, JsonElement>? ToElements(JsonObject? obj) =>
        obj?.ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value));
}
