using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flows.Server.WorkPools;

/// <summary>
/// The block types the default base job templates refer to (Prefect's kubernetes template has a
/// <c>cluster_config</c> variable whose definition names <c>block_type_slug: kubernetes-cluster-config</c>).
/// Prefect's UI looks such a type up by slug to draw the variable's block picker, so the server answers those few
/// types, read-only, built from the definitions it ships. It stores no blocks: the picker offers none.
/// </summary>
internal static class TemplateBlockTypes
{
    private static readonly string[] Types = ["process", "docker", "kubernetes"];

    // Fixed, so a type keeps its id across restarts and servers; the templates do not change while running.
    private static readonly DateTimeOffset Created = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, JsonObject> BySlug = Load();

    /// <summary>Prefect's <c>BlockType</c> for <paramref name="slug"/>, or null when no template refers to it.</summary>
    public static JsonObject? Find(string slug) => BySlug.TryGetValue(slug, out var type) ? (JsonObject)type.DeepClone() : null;

    private static Dictionary<string, JsonObject> Load()
    {
        var types = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var workerType in Types)
        {
            if (BaseJobTemplates.ForType(workerType) is not { } template
                || !template.GetProperty("variables").TryGetProperty("definitions", out var definitions))
            {
                continue;
            }

            foreach (var definition in definitions.EnumerateObject())
            {
                if (definition.Value.TryGetProperty("block_type_slug", out var slug) && slug.GetString() is { Length: > 0 } s)
                {
                    types[s] = BlockType(s, definition.Value);
                }
            }
        }

        return types;
    }

    private static JsonObject BlockType(string slug, JsonElement definition) => new()
    {
        ["id"] = new Guid(MD5.HashData(Encoding.UTF8.GetBytes("block-type:" + slug))).ToString(),
        ["created"] = Created.ToString("O"),
        ["updated"] = Created.ToString("O"),
        // Prefect names a type from its slug's words: kubernetes-cluster-config is "Kubernetes Cluster Config".
        ["name"] = string.Join(' ', slug.Split('-').Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..])),
        ["slug"] = slug,
        ["logo_url"] = null,
        ["documentation_url"] = null,
        ["description"] = definition.TryGetProperty("description", out var d) ? d.GetString() : null,
        ["code_example"] = null,
        ["is_protected"] = true,
    };
}
