using System.Text.Json.Nodes;

namespace Flows.Kubernetes.Fake;

/// <summary>
/// PATCH bodies. JSON merge patch (RFC 7386) also stands in for strategic merge patch: the difference (lists merged
/// by key instead of replaced) does not matter for the fields a worker patches; the README says so.
/// </summary>
internal static class Patches
{
    public static JsonObject Apply(string? contentType, JsonObject current, string body)
    {
        var mediaType = contentType?.Split(';')[0].Trim();
        return mediaType switch
        {
            "application/merge-patch+json" or "application/strategic-merge-patch+json" =>
                (JsonObject)Merge(current, JsonNode.Parse(body) ?? throw StatusException.BadRequest("empty patch"))!,
            "application/json-patch+json" => JsonPatch(current, JsonNode.Parse(body) as JsonArray ?? throw StatusException.BadRequest("a JSON patch must be an array")),
            _ => throw new StatusException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json"),
        };
    }

    private static JsonNode? Merge(JsonNode? target, JsonNode patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch.DeepClone();
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = Merge(result[key], value);
            }
        }

        return result;
    }

    private static JsonObject JsonPatch(JsonObject current, JsonArray operations)
    {
        var doc = (JsonObject)current.DeepClone();
        foreach (var operation in operations.OfType<JsonObject>())
        {
            var op = operation.String("op");
            var path = operation.String("path") ?? throw StatusException.BadRequest("a JSON patch operation needs a path");
            var segments = path.Split('/').Skip(1).Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
            var parent = Navigate(doc, segments[..^1]);
            var last = segments[^1];
            switch (op)
            {
                case "add" or "replace":
                    var value = operation["value"]?.DeepClone();
                    if (parent is JsonArray array)
                    {
                        if (last == "-")
                        {
                            array.Add(value);
                        }
                        else if (op == "add")
                        {
                            array.Insert(int.Parse(last, System.Globalization.CultureInfo.InvariantCulture), value);
                        }
                        else
                        {
                            array[int.Parse(last, System.Globalization.CultureInfo.InvariantCulture)] = value;
                        }
                    }
                    else
                    {
                        ((JsonObject)parent)[last] = value;
                    }

                    break;
                case "remove":
                    if (parent is JsonArray fromArray)
                    {
                        fromArray.RemoveAt(int.Parse(last, System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        ((JsonObject)parent).Remove(last);
                    }

                    break;
                case "test":
                    var actual = parent is JsonArray a ? a[int.Parse(last, System.Globalization.CultureInfo.InvariantCulture)] : ((JsonObject)parent)[last];
                    if (!JsonNode.DeepEquals(actual, operation["value"]))
                    {
                        throw new StatusException(422, "Invalid", $"the server rejected our request due to an error in our request: test failed at {path}");
                    }

                    break;
                default:
                    throw StatusException.BadRequest($"unsupported JSON patch operation: {op}");
            }
        }

        return doc;
    }

    private static JsonNode Navigate(JsonNode node, IEnumerable<string> segments)
    {
        foreach (var segment in segments)
        {
            node = (node switch
            {
                JsonObject o => o[segment],
                JsonArray a => a[int.Parse(segment, System.Globalization.CultureInfo.InvariantCulture)],
                _ => null,
            }) ?? throw new StatusException(422, "Invalid", $"the server rejected our request due to an error in our request: missing path segment {segment}");
        }

        return node;
    }
}
