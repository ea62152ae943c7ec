using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Flows.Ui.Tests;

/// <summary>
/// How the server serves a build of Prefect's UI (<c>--prefect-ui</c>), over plain HTTP: the placeholder rewritten
/// to /prefect-ui in a copy (the source folder unchanged), ui-settings, index.html for client routes, and the API
/// keys accepted as the Basic password the app's login sends.
/// </summary>
public sealed class PrefectUiServingTests
{
    private const string Key = "serving-key";

    private static string Dist => Path.Combine(BrowserHarness.RepositoryRoot(), "tests", "Flows.Ui.Tests", "prefect-ui", "dist");

    // The app sets the tab's icon to /ico/<state>.svg at the root, and the browser asks for /favicon.ico: with keys these
    // were hidden by the redirect to the login page, key-less they were 404s in the console.
    [Theory]
    [InlineData(Key)]
    [InlineData(null)]
    public async Task Serves_the_apps_root_icons_without_a_key(string? key)
    {
        await using var server = await UiServer.StartAsync(key, prefectUiDirectory: Dist);

        var (svg, _, svgResponse) = await server.GetAsync("/ico/completed.svg");
        var (ico, _, _) = await server.GetAsync("/favicon.ico");
        var (missing, _, _) = await server.GetAsync("/ico/nothing.svg");

        Assert.Equal(HttpStatusCode.OK, svg);
        Assert.Equal("image/svg+xml", svgResponse.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, ico);
        Assert.Equal(HttpStatusCode.NotFound, missing);
    }

    [Fact]
    public async Task Serves_the_build_under_prefect_ui_with_the_placeholder_rewritten_and_the_source_unchanged()
    {
        var sourceIndex = await File.ReadAllTextAsync(Path.Combine(Dist, "index.html"));
        await using var server = await UiServer.StartAsync(Key, prefectUiDirectory: Dist);

        var (status, index, _) = await server.GetAsync("/prefect-ui/");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain("PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER", index, StringComparison.Ordinal);
        var script = System.Text.RegularExpressions.Regex.Match(index, "src=\"(/prefect-ui/assets/index-[^\"]+\\.js)\"").Groups[1].Value;
        Assert.NotEmpty(script);
        var (scriptStatus, scriptBody, scriptResponse) = await server.GetAsync(script);
        Assert.Equal(HttpStatusCode.OK, scriptStatus);
        Assert.Equal("text/javascript", scriptResponse.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER", scriptBody, StringComparison.Ordinal);
        Assert.Contains("/prefect-ui", scriptBody, StringComparison.Ordinal);
        Assert.Equal(sourceIndex, await File.ReadAllTextAsync(Path.Combine(Dist, "index.html")));

        // Client-side routes get the app; a missing asset is a 404, not the app.
        var (routeStatus, route, _) = await server.GetAsync("/prefect-ui/runs/flow-run/" + Guid.NewGuid());
        Assert.Equal(HttpStatusCode.OK, routeStatus);
        Assert.Equal(index, route);
        Assert.Equal(HttpStatusCode.NotFound, (await server.GetAsync("/prefect-ui/assets/missing.js")).Status);
        // Our own UI keeps / (and still asks for its login).
        Assert.StartsWith("/login", (await server.GetAsync("/")).Response.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, "BASIC")]
    [InlineData(false, null)]
    public async Task Ui_settings_point_at_the_api_and_ask_for_basic_auth_when_the_server_has_keys(bool keys, string? auth)
    {
        await using var server = await UiServer.StartAsync(keys ? Key : null, prefectUiDirectory: Dist);
        var (status, body, _) = await server.GetAsync("/prefect-ui/ui-settings");
        Assert.Equal(HttpStatusCode.OK, status);
        var settings = JsonDocument.Parse(body).RootElement;
        Assert.Equal("/api", settings.GetProperty("api_url").GetString());
        Assert.Equal(auth, settings.GetProperty("auth").GetString());
        Assert.False(settings.GetProperty("csrf_enabled").GetBoolean());
        Assert.Equal("/prefect-ui", settings.GetProperty("v1_base_url").GetString());
        Assert.Equal("v1", settings.GetProperty("default_ui").GetString());
        Assert.Equal(["v1"], settings.GetProperty("available_uis").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("admin:" + Key, HttpStatusCode.OK)]
    [InlineData(Key, HttpStatusCode.OK)]
    [InlineData("admin:wrong", HttpStatusCode.Unauthorized)]
    [InlineData(Key + ":admin", HttpStatusCode.Unauthorized)]
    public async Task The_api_takes_the_key_as_the_basic_password(string credential, HttpStatusCode expected)
    {
        await using var server = await UiServer.StartAsync(Key, prefectUiDirectory: Dist);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/version");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credential)));
        var response = await server.Http.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);

        using var garbage = new HttpRequestMessage(HttpMethod.Get, "/api/admin/version");
        garbage.Headers.TryAddWithoutValidation("Authorization", "Basic not-base64!");
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http.SendAsync(garbage)).StatusCode);
    }

    [Fact]
    public async Task The_block_type_of_the_kubernetes_templates_cluster_config_is_known_by_slug()
    {
        await using var server = await UiServer.StartAsync();
        var (status, body, _) = await server.GetAsync("/api/block_types/slug/kubernetes-cluster-config");
        Assert.Equal(HttpStatusCode.OK, status);
        var type = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Kubernetes Cluster Config", type.GetProperty("name").GetString());
        Assert.Equal("kubernetes-cluster-config", type.GetProperty("slug").GetString());
        Assert.True(Guid.TryParse(type.GetProperty("id").GetString(), out _));
        Assert.Equal(HttpStatusCode.NotFound, (await server.GetAsync("/api/block_types/slug/aws-credentials")).Status);
    }

    [Fact]
    public async Task A_folder_without_index_html_is_refused_with_the_fix()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => UiServer.StartAsync(prefectUiDirectory: Path.GetTempPath()));
        Assert.Contains("not a build of Prefect's UI", error.Message, StringComparison.Ordinal);
    }
}
