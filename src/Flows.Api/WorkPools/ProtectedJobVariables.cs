using System.Text.Json;
using Flows.Api.Models;

namespace Flows.Api.WorkPools;

/// <summary>
/// Job variables a flow run may not set (a documented difference from Prefect): those that choose where the worker
/// sends credentials or what it runs on its own host. <c>cluster_config</c> of a kubernetes pool names the API server
/// the Job manifest (API key included) goes to, and a kubeconfig <c>exec</c> entry runs a command in the worker;
/// <c>command</c> of a process pool runs on the worker's host. Only the pool's template and the deployment set them,
/// unless the pool marks the variable <c>"x-flows-allow-run-override": true</c> beside its schema in
/// <c>variables.properties</c>. A run may repeat the value its deployment gives (clients send the merged set back).
/// One rule for both sides: our server refuses such a run with 422, and our worker refuses to run one that reached it
/// anyway (a Prefect server, or rows written before the check).
/// </summary>
public static class ProtectedJobVariables
{
    /// <summary>The schema keyword that lets runs set a protected variable.</summary>
    public const string AllowKeyword = "x-flows-allow-run-override";

    /// <summary>The protected variables of a pool type.</summary>
    public static IReadOnlyList<string> For(string? poolType) => poolType switch
    {
        "kubernetes" => ["cluster_config"],
        "process" => ["command"],
        _ => [],
    };

    /// <summary>
    /// The protected variables of <paramref name="pool"/> that <paramref name="asked"/> (a run's job variables) sets to
    /// a value other than <paramref name="allowed"/> (the deployment's, or the run's current ones) holds; empty when none.
    /// </summary>
    public static IReadOnlyList<string> Refused(WorkPool pool, IDictionary<string, JsonElement>? asked, IDictionary<string, JsonElement>? allowed)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (asked is not { Count: > 0 })
        {
            return [];
        }

        return [.. For(pool.Type).Where(name => asked.TryGetValue(name, out var value)
            && !(allowed is not null && allowed.TryGetValue(name, out var given) && JsonElement.DeepEquals(given, value))
            && !AllowsRunOverride(pool.BaseJobTemplate, name))];
    }

    /// <summary>What to tell whoever asked: the names, why, and how a pool lets runs choose them.</summary>
    public static string Explain(WorkPool pool, IReadOnlyList<string> refused)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(refused);
        return $"A flow run may not set {string.Join(", ", refused.Select(n => $"'{n}'"))} on a {pool.Type} work pool: it is taken from the work pool and the deployment only "
            + $"(it decides where the worker sends credentials or what runs on its host). To let runs choose it, set \"{AllowKeyword}\": true on the variable in the pool's base job template.";
    }

    private static bool AllowsRunOverride(JsonElement? template, string name)
        => template is { ValueKind: JsonValueKind.Object } t
           && t.TryGetProperty("variables", out var variables) && variables.ValueKind == JsonValueKind.Object
           && variables.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
           && properties.TryGetProperty(name, out var schema) && schema.ValueKind == JsonValueKind.Object
           && schema.TryGetProperty(AllowKeyword, out var allow) && allow.ValueKind == JsonValueKind.True;
}
