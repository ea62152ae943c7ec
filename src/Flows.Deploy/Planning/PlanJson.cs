using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Api.Json;

namespace Flows.Deploy.Planning;

/// <summary>The machine-readable plan (<c>-o json</c>, <c>obj/flows/deployments.json</c>):
/// <c>{"images": [...], "deployments": [{"flow_name", "body"}], "warnings": [...]}</c>. <c>body</c> is serialized exactly
/// as the client sends it to <c>POST /deployments/</c>.</summary>
public static class PlanJson
{
    public static JsonObject ToJson(DeploymentPlan plan) => new()
    {
        ["images"] = JsonSerializer.SerializeToNode(plan.Images),
        ["deployments"] = new JsonArray(plan.Deployments.Select(d => (JsonNode)new JsonObject
        {
            ["flow_name"] = d.FlowName,
            ["body"] = JsonSerializer.SerializeToNode(d.Body, PrefectJson.Options),
        }).ToArray()),
        ["warnings"] = new JsonArray(plan.Warnings.Select(w => (JsonNode)w.ToString()).ToArray()),
    };

    // Relaxed escaping: the plan is read by people and jq, not embedded in HTML ("'" stays "'", not "\u0027").
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(DeploymentPlan plan) => ToJson(plan).ToJsonString(Indented);
}
