using Flows.Api.Models;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Endpoints;

/// <summary>Health and version (Prefect's api/root.py and api/admin.py).</summary>
internal static class AdminEndpoints
{
    /// <summary>The Prefect server version whose API this server speaks.</summary>
    public const string PrefectApiVersion = "3.4.0";

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/health", () => Body.Json(true));
        api.MapGet("/version", () => Body.Json(PrefectApiVersion));
        api.MapGet("/admin/version", () => Body.Json(PrefectApiVersion));
    }
}
