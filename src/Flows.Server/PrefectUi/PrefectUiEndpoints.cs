using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.PrefectUi;

/// <summary>
/// Serves Prefect's own web UI under <see cref="BasePath"/> (our UI keeps <c>/</c>), as Prefect's
/// <c>create_ui_app</c> does: the rewritten build, <c>ui-settings</c> (the app's first request), and
/// <c>index.html</c> for every other path, because the app routes on the client. Nothing here holds data, so
/// these paths need no key: the app logs in itself, sending <c>Authorization: Basic</c> on its API calls.
/// </summary>
internal static class PrefectUiEndpoints
{
    /// <summary>Where Prefect's UI is served; Prefect serves it at <c>/</c>, where ours already is.</summary>
    public const string BasePath = FlowsServerOptions.PrefectUiPath;

    public static bool IsUnderBasePath(PathString path) => path.StartsWithSegments(BasePath);

    /// <summary>
    /// The app's icons asked for at the root: it sets the tab's icon to <c>/ico/&lt;state&gt;.svg</c> (a path its build
    /// does not rewrite to the base), and the browser asks for <c>/favicon.ico</c>. Served from the bundle's
    /// <c>ico/</c>; our UI uses neither path. Public, as the bundle is.
    /// </summary>
    public static bool IsRootIcon(PathString path) => path.StartsWithSegments("/ico") || path == "/favicon.ico";

    public static void Map(IEndpointRouteBuilder app, PrefectUiBundle bundle, bool authRequired)
    {
        app.MapGet(BasePath + "/ui-settings", () => Results.Json(new UiSettings
        {
            // Relative: the browser resolves it against the page's own origin, so a TLS-terminating proxy or
            // another host name in front of the server needs no setting (Prefect's PREFECT_UI_API_URL).
            ApiUrl = "/api",
            Auth = authRequired ? "BASIC" : null,
            V1BaseUrl = BasePath,
        }, UiSettingsJson.Default.UiSettings));

        app.MapGet("/ico/{file}", (HttpContext context, string file) =>
            bundle.Find("ico/" + file) is { } icon ? Serve(context, icon, immutable: false) : Results.NotFound());
        app.MapGet("/favicon.ico", (HttpContext context) =>
            bundle.Find("ico/favicon.ico") is { } icon ? Serve(context, icon, immutable: false) : Results.NotFound());

        app.MapGet(BasePath, (HttpContext context) => Serve(context, bundle.Index, immutable: false));
        app.MapGet(BasePath + "/{**path}", (HttpContext context, string? path) =>
        {
            if (path is { Length: > 0 } && bundle.Find(path) is { } file)
            {
                // Vite names every asset by its content hash: a changed file is a new name.
                return Serve(context, file, immutable: path.StartsWith("assets/", StringComparison.Ordinal));
            }

            // A missing script or stylesheet is an error, not a page: index.html there would hide it.
            return path is not null && path.StartsWith("assets/", StringComparison.Ordinal)
                ? Results.NotFound()
                : Serve(context, bundle.Index, immutable: false);
        });
    }

    private static IResult Serve(HttpContext context, PrefectUiFile file, bool immutable)
    {
        context.Response.Headers.CacheControl = immutable ? "public, max-age=31536000, immutable" : "no-cache";
        context.Response.Headers.ETag = file.ETag;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return context.Request.Headers.IfNoneMatch == file.ETag ? Results.StatusCode(304) : Results.Bytes(file.Bytes, file.ContentType);
    }
}

/// <summary>Prefect's <c>UISettings</c> document, field for field.</summary>
internal sealed record UiSettings
{
    [JsonPropertyName("api_url")]
    public required string ApiUrl { get; init; }

    [JsonPropertyName("csrf_enabled")]
    public bool CsrfEnabled { get; init; }

    /// <summary><c>"BASIC"</c> makes the app show its login form; null when the server has no keys.</summary>
    [JsonPropertyName("auth")]
    public string? Auth { get; init; }

    [JsonPropertyName("flags")]
    public IReadOnlyList<string> Flags { get; init; } = [];

    [JsonPropertyName("default_ui")]
    public string DefaultUi { get; init; } = "v1";

    [JsonPropertyName("available_uis")]
    public IReadOnlyList<string> AvailableUis { get; init; } = ["v1"];

    [JsonPropertyName("v1_base_url")]
    public required string V1BaseUrl { get; init; }

    [JsonPropertyName("v2_base_url")]
    public string? V2BaseUrl { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(UiSettings))]
internal sealed partial class UiSettingsJson : JsonSerializerContext;
