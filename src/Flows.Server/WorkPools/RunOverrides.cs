using System.Text.Json;
using Flows.Api.Models;
using Flows.Server.Hosting;

namespace Flows.Server.WorkPools;

/// <summary>
/// Job variables a flow run may not set (a documented difference from Prefect): those that choose where the
/// worker sends credentials or what it runs on its own host. <c>cluster_config</c> of a kubernetes pool names the
/// API server the Job manifest (API key included) goes to, and a kubeconfig <c>exec</c> entry runs a command in the
/// worker; <c>command</c> of a process pool is run on the worker's host. Only the pool's template and the deployment
/// set them. Anyone who may create or update a run may not; a pool that wants runs to choose marks the variable in
/// its base job template with <c>"x-flows-allow-run-override": true</c> beside its schema in
/// <c>variables.properties</c>. A run may repeat the value its deployment gives (clients send the merged set back).
/// </summary>
internal static class RunOverrides
{
    /// <summary>The schema keyword that lets runs set a protected variable.</summary>
    public const string AllowKeyword = "x-flows-allow-run-override";

    /// <summary>The protected variables of a pool type.</summary>
    public static IReadOnlyList<string> ProtectedFor(string? poolType) => poolType switch
    {
        "kubernetes" => ["cluster_config"],
        "process" => ["command"],
        _ => [],
    };

    /// <summary>
    /// Throws a 422 naming every protected variable of <paramref name="pool"/> that <paramref name="asked"/> sets to a
    /// value other than <paramref name="allowed"/> holds (the deployment's, or the run's current one).
    /// </summary>
    public static void Check(WorkPool pool, IDictionary<string, JsonElement>? asked, IDictionary<string, JsonElement>? allowed)
    {
        if (asked is not { Count: > 0 })
        {
            return;
        }

        var refused = ProtectedFor(pool.Type)
            .Where(name => asked.TryGetValue(name, out var value)
                && !(allowed is not null && allowed.TryGetValue(name, out var given) && JsonElement.DeepEquals(given, value))
                && !AllowsRunOverride(pool.BaseJobTemplate, name))
            .ToList();
        if (refused.Count > 0)
        {
            throw ApiException.Validation(["body", "job_variables", refused[0]],
                $"A flow run may not set {string.Join(", ", refused.Select(n => $"'{n}'"))} on a {pool.Type} work pool: it is taken from the work pool and the deployment only "
                + $"(it decides where the worker sends credentials or what runs on its host). To let runs choose it, set \"{AllowKeyword}\": true on the variable in the pool's base job template.",
                "job_variable_not_overridable");
        }
    }

    private static bool AllowsRunOverride(JsonElement? template, string name)
        => template is { ValueKind: JsonValueKind.Object } t
           && t.TryGetProperty("variables", out var variables) && variables.ValueKind == JsonValueKind.Object
           && variables.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
           && properties.TryGetProperty(name, out var schema) && schema.ValueKind == JsonValueKind.Object
           && schema.TryGetProperty(AllowKeyword, out var allow) && allow.ValueKind == JsonValueKind.True;
}
