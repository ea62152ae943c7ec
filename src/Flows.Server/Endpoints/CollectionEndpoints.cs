using System.Text.Json;
using Flows.Server.Hosting;
using Flows.Server.WorkPools;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>
/// <c>/collections/views/{view}</c>: Prefect's UI lists the work pool types from <c>aggregate-worker-metadata</c>. Prefect
/// downloads it from its collection registry; here it describes the worker types this project ships (process, docker,
/// kubernetes) with their default base job templates from Templates/ (the same ones POST /work_pools/ and the CLI use).
/// The other registry views answer empty: this server has no blocks or registry flows to offer.
/// </summary>
internal static class CollectionEndpoints
{
    private static readonly string[] EmptyViews = ["aggregate-block-metadata", "aggregate-flow-metadata", "demo-flows"];

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/collections/views/{view}", (string view) => view switch
        {
            "aggregate-worker-metadata" => Body.Json(WorkerMetadata()),
            _ when EmptyViews.Contains(view) => Body.Json(new Dictionary<string, object>()),
            _ => throw new ApiException(System.Net.HttpStatusCode.NotFound, $"View {view} not found in registry"),
        });
    }

    internal static Dictionary<string, Dictionary<string, Dictionary<string, object?>>> WorkerMetadata() => new()
    {
        ["prefect"] = new() { ["process"] = Worker("process", "Process", "Runs each flow run as a child process of the worker (flows-deploy worker start --pool NAME --type process).") },
        ["prefect-docker"] = new() { ["docker"] = Worker("docker", "Docker", "Runs each flow run in a Docker container (flows-deploy worker start --pool NAME --type docker).") },
        ["prefect-kubernetes"] = new() { ["kubernetes"] = Worker("kubernetes", "Kubernetes", "Runs each flow run as a Kubernetes Job (flows-deploy worker start --pool NAME --type kubernetes).") },
    };

    private static Dictionary<string, object?> Worker(string type, string displayName, string description) => new()
    {
        ["type"] = type,
        ["display_name"] = displayName,
        ["description"] = description,
        ["documentation_url"] = string.Empty,
        ["install_command"] = "dotnet tool install --global Flows.Cli",
        ["is_beta"] = false,
        ["logo_url"] = string.Empty,
        ["default_base_job_configuration"] = BaseJobTemplates.ForType(type) ?? JsonDocument.Parse("{}").RootElement.Clone(),
    };
}
