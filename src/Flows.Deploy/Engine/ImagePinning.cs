using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Deploy.ImageSources;
using Flows.Deploy.Planning;

namespace Flows.Deploy.Engine;

/// <summary>
/// Pins the plan the engine already has to what was pushed: every value in a deployment's job variables, parameters
/// and pull steps that is exactly an image's <c>name:tag</c> (what <c>{{ build-image.image }}</c> rendered to) becomes
/// <c>name:tag@sha256:…</c>. Nothing is planned again, so no step runs twice and no tag can change in between.
/// </summary>
public static class ImagePinning
{
    public static DeploymentPlan Pin(DeploymentPlan plan, IReadOnlyList<BuiltImage> built)
    {
        var pinned = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var image in built)
        {
            pinned[$"{image.ImageName}:{image.Tag}"] = image.Reference;
        }

        if (pinned.Count == 0)
        {
            return plan;
        }

        return plan with
        {
            Deployments = [.. plan.Deployments.Select(d => d with
            {
                Body = d.Body with
                {
                    JobVariables = Pin(d.Body.JobVariables, pinned),
                    Parameters = Pin(d.Body.Parameters, pinned),
                    PullSteps = d.Body.PullSteps is { } steps ? Pin(steps, pinned) : null,
                },
            })],
        };
    }

    private static IDictionary<string, JsonElement>? Pin(IDictionary<string, JsonElement>? values, Dictionary<string, string> pinned) =>
        values?.ToDictionary(p => p.Key, p => Pin(p.Value, pinned), StringComparer.Ordinal);

    private static JsonElement Pin(JsonElement value, Dictionary<string, string> pinned)
    {
        // Most values hold no image reference: leave them (and their bytes) as they are.
        if (!Mentions(value, pinned))
        {
            return value;
        }

        return JsonSerializer.SerializeToElement(Pin(JsonNode.Parse(value.GetRawText()), pinned));
    }

    private static bool Mentions(JsonElement value, Dictionary<string, string> pinned) => value.ValueKind switch
    {
        JsonValueKind.String => pinned.ContainsKey(value.GetString()!),
        JsonValueKind.Object => value.EnumerateObject().Any(p => Mentions(p.Value, pinned)),
        JsonValueKind.Array => value.EnumerateArray().Any(v => Mentions(v, pinned)),
        _ => false,
    };

    private static JsonNode? Pin(JsonNode? node, Dictionary<string, string> pinned)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    copy[key] = Pin(value, pinned);
                }

                return copy;
            case JsonArray array:
                var items = new JsonArray();
                foreach (var item in array)
                {
                    items.Add(Pin(item, pinned));
                }

                return items;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String && pinned.TryGetValue(v.GetValue<string>(), out var reference):
                return JsonValue.Create(reference);
            default:
                return node?.DeepClone();
        }
    }
}
