using Flows.Api.Models;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>Health, readiness, version, settings and the CSRF token route (Prefect's api/root.py, api/admin.py, api/csrf_token.py).</summary>
internal static class AdminEndpoints
{
    /// <summary>The Prefect server version whose API this server speaks.</summary>
    public const string PrefectApiVersion = "3.4.0";

    public static void Map(IEndpointRouteBuilder api, string flowsHome)
    {
        api.MapGet("/health", () => Body.Json(true));
        api.MapGet("/ready", () => Body.Json(new Dictionary<string, string> { ["message"] = "OK" }));
        api.MapGet("/hello", () => Body.Json("👋"));

        // Prefect answers its whole settings tree; this server has few settings, and none secret.
        api.MapGet("/admin/settings", () => Body.Json(new Dictionary<string, object>
        {
            ["home"] = flowsHome,
            ["debug_mode"] = false,
            ["server"] = new Dictionary<string, object> { ["csrf_protection_enabled"] = false },
        }));

        // The default result storage is a block, and this server stores no blocks: none is set, and none can be.
        api.MapGet("/admin/storage", () => Body.Json(new Dictionary<string, object?> { ["default_result_storage_block_id"] = null }));
        api.MapPut("/admin/storage", () =>
        {
            throw ApiException.NotFound("Block document (this server stores no blocks)");
        });
        api.MapDelete("/admin/storage", () => Results.NoContent());

        // As a Prefect server without CSRF protection (its default): API clients authenticate with a bearer key.
        api.MapGet("/csrf-token", (HttpRequest request) =>
        {
            if (string.IsNullOrEmpty(request.Query["client"]))
            {
                throw ApiException.Validation(["query", "client"], "Field required", "missing");
            }

            throw ApiException.Invalid("CSRF protection is disabled.");
        });
        api.MapGet("/version", () => Body.Json(PrefectApiVersion));
        api.MapGet("/admin/version", () => Body.Json(PrefectApiVersion));
    }
}
