using System.Net;
using System.Text;
using System.Text.Json;

namespace Flows.Server.Tests;

/// <summary>
/// A key-less server on loopback (the dev and embedded default) refuses what a web page could send it: other Host
/// names (DNS rebinding), non-JSON bodies (simple cross-site posts) and requests a browser marks as cross-site.
/// </summary>
public sealed class LocalServerGuardTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "flows-guard-" + Guid.NewGuid().ToString("N"));
    private FlowsServerHost _host = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _host = await FlowsServer.StartAsync(new FlowsServerOptions
        {
            Port = 0, DatabaseUrl = $"sqlite:///{_dir}/f.db", SchedulerInterval = TimeSpan.Zero, AllowedHosts = ["flows.test"],
        });
        _http = new HttpClient { BaseAddress = new Uri(_host.ApiUrl + "/") };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
    }

    [Theory]
    [InlineData("evil.example", HttpStatusCode.BadRequest)]
    [InlineData("127.0.0.1.nip.io", HttpStatusCode.BadRequest)]
    [InlineData("localhost", HttpStatusCode.OK)]
    [InlineData("127.0.0.1", HttpStatusCode.OK)]
    [InlineData("[::1]", HttpStatusCode.OK)]
    [InlineData("flows.test", HttpStatusCode.OK)]
    [InlineData("host.docker.internal", HttpStatusCode.OK)]
    public async Task Only_loopback_and_listed_host_names_are_served(string host, HttpStatusCode expected)
    {
        foreach (var path in new[] { "version", "../", "../deployments" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = $"{host}:{_host.ApiUrl.Port}";
            using var response = await _http.SendAsync(request);
            Assert.True(expected == response.StatusCode, $"{host} {path}: {(int)response.StatusCode}");
        }
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    public async Task A_state_changing_body_that_is_not_json_is_415_and_changes_nothing(string contentType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "flows/") { Content = new StringContent("""{"name":"planted"}""", Encoding.UTF8) };
        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("application/json", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("flows/name/planted")).StatusCode);
    }

    [Fact]
    public async Task Json_bodies_and_bodiless_posts_from_clients_pass()
    {
        using var json = await _http.PostAsync("flows/", new StringContent("""{"name":"ok"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, json.StatusCode);
        using var bodiless = await _http.PostAsync("flows/count", null);
        Assert.Equal(HttpStatusCode.OK, bodiless.StatusCode);
    }

    [Theory]
    [InlineData("Sec-Fetch-Site", "cross-site", HttpStatusCode.Forbidden)]
    [InlineData("Sec-Fetch-Site", "same-site", HttpStatusCode.Forbidden)]
    [InlineData("Origin", "http://evil.example", HttpStatusCode.Forbidden)]
    [InlineData("Origin", "http://localhost:8080", HttpStatusCode.Forbidden)]
    [InlineData("Origin", "null", HttpStatusCode.Forbidden)]
    [InlineData("Sec-Fetch-Site", "same-origin", HttpStatusCode.Created)]
    [InlineData("Sec-Fetch-Site", "none", HttpStatusCode.Created)]
    [InlineData("Origin", "self", HttpStatusCode.Created)]
    public async Task Browser_requests_from_another_site_or_origin_are_403(string header, string value, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "flows/") { Content = new StringContent($$"""{"name":"f-{{Guid.NewGuid():N}}"}""", Encoding.UTF8, "application/json") };
        request.Headers.Add(header, value == "self" ? _host.ApiUrl.GetLeftPart(UriPartial.Authority) : value);
        using var response = await _http.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task A_bodiless_cross_site_post_is_403_too()
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, "flows/" + Guid.NewGuid());
        request.Headers.Add("Sec-Fetch-Site", "cross-site");
        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task A_server_with_keys_is_not_limited_to_loopback_names()
    {
        var dir = Path.Combine(Path.GetTempPath(), "flows-guard-keys-" + Guid.NewGuid().ToString("N"));
        await using var host = await FlowsServer.StartAsync(new FlowsServerOptions { Port = 0, DatabaseUrl = $"sqlite:///{dir}/f.db", SchedulerInterval = TimeSpan.Zero, ApiKeys = ["k"] });
        using var http = new HttpClient { BaseAddress = new Uri(host.ApiUrl + "/") };
        using var request = new HttpRequestMessage(HttpMethod.Get, "version");
        request.Headers.Host = "flows.example.com";
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "k");
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
