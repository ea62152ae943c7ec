using System.Text.Json.Nodes;

namespace Flows.Deploy.Planning;

/// <summary>Deep merge for <c>--job-variable</c>: objects merge key by key (so <c>env</c> gains entries instead of
/// being replaced, unlike Prefect's CLI), anything else is replaced by the override.</summary>
public static class JsonMerge
{
    public static JsonObject Merge(JsonObject? target, JsonObject? overrides)
    {
        var result = (JsonObject?)target?.DeepClone() ?? [];
        foreach (var (key, value) in overrides ?? [])
        {
            result[key] = result[key] is JsonObject existing && value is JsonObject patch ? Merge(existing, patch) : value?.DeepClone();
        }

        return result;
    }

    /// <summary>Parameters: an override replaces the whole value of that parameter (a record is one value).</summary>
    public static JsonObject MergeShallow(JsonObject? target, JsonObject? overrides)
    {
        var result = (JsonObject?)target?.DeepClone() ?? [];
        foreach (var (key, value) in overrides ?? [])
        {
            result[key] = value?.DeepClone();
        }

        return result;
    }
}
