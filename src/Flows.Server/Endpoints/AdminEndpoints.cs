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

    /// <summary>The liveness path: answers while the process serves, whatever the database (restarting would not mend it).</summary>
    public const string LivePath = "/api/live";

    public static void Map(IEndpointRouteBuilder api, string flowsHome, Database db)
    {
        // Readiness: /health (the probe of our charts) and Prefect's /ready both answer 503 while the database does not.
        api.MapGet("/health", async (CancellationToken ct) => await DatabaseAnswersAsync(db, ct) ? Body.Json(true) : Body.Json(false, 503));
        api.MapGet("/ready", async (CancellationToken ct) => await DatabaseAnswersAsync(db, ct)
            ? Body.Json(new Dictionary<string, string> { ["message"] = "OK" })
            : Body.Json(new Dictionary<string, string> { ["message"] = "Database is not available" }, 503));
        api.MapGet(LivePath["/api".Length..], () => Body.Json(true));
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

    // A probe must answer before its own timeout, so the check gives up after a few seconds.
    private static async Task<bool> DatabaseAnswersAsync(Database db, CancellationToken ct)
    {
        try
        {
            return await db.ReadAsync(c => c.ScalarAsync<long>(null, "SELECT 1", []), ct).WaitAsync(TimeSpan.FromSeconds(3), ct) == 1;
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException or System.Net.Sockets.SocketException or IOException)
        {
            return false;
        }
    }
}
