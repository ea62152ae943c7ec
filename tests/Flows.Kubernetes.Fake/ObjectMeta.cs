using System.Text.Json.Nodes;

namespace Flows.Kubernetes.Fake;

/// <summary>Small accessors over an object's JSON, so the cluster code reads as the API server's logic.</summary>
internal static class ObjectMeta
{
    // The alphabet apimachinery's utilrand uses for generateName: no vowels, so no words, and no confusable 0/1/3.
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static JsonObject Metadata(this JsonObject obj) =>
        obj["metadata"] as JsonObject ?? (JsonObject)(obj["metadata"] = new JsonObject());

    public static string? Name(this JsonObject obj) => obj["metadata"]?["name"]?.GetValue<string>();

    public static string? Uid(this JsonObject obj) => obj["metadata"]?["uid"]?.GetValue<string>();

    public static string? Namespace(this JsonObject obj) => obj["metadata"]?["namespace"]?.GetValue<string>();

    public static JsonObject Child(this JsonObject obj, string name) =>
        obj[name] as JsonObject ?? (JsonObject)(obj[name] = new JsonObject());

    public static JsonArray ChildArray(this JsonObject obj, string name) =>
        obj[name] as JsonArray ?? (JsonArray)(obj[name] = new JsonArray());

    public static string? String(this JsonNode? node, string name) => (node as JsonObject)?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static long? Number(this JsonNode? node, string name) => (node as JsonObject)?[name] is JsonValue v && v.TryGetValue<long>(out var n) ? n : null;

    public static Dictionary<string, string> StringMap(this JsonNode? node) =>
        (node as JsonObject)?.Where(p => p.Value is JsonValue).ToDictionary(p => p.Key, p => p.Value!.ToString()) ?? [];

    /// <summary>Five random characters, as the API server appends to generateName.</summary>
    public static string RandomSuffix() => string.Create(5, 0, (span, _) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = NameAlphabet[Random.Shared.Next(NameAlphabet.Length)];
        }
    });

    /// <summary>True when <paramref name="ownerUid"/> is among the object's ownerReferences.</summary>
    public static bool IsOwnedBy(this JsonObject obj, string ownerUid) =>
        obj["metadata"]?["ownerReferences"] is JsonArray refs && refs.Any(r => r.String("uid") == ownerUid);
}
