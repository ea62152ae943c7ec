using System.Net;
using System.Text.RegularExpressions;
using Flows.Api.Client;
using Flows.Server;
using Microsoft.Extensions.Logging;

namespace Flows.Ui.Tests;

/// <summary>A real server on 127.0.0.1 (SQLite in a temp folder), a browser-like HTTP client and an API client.</summary>
public sealed partial class UiServer : IAsyncDisposable
{
    private readonly string _home;

    private UiServer(string home, FlowsServerHost host, string? key)
    {
        _home = home;
        Host = host;
        BaseUrl = new Uri(host.ApiUrl.GetLeftPart(UriPartial.Authority) + "/");
        // Like a browser with redirects off, so tests see each 303; cookies are sent by hand when a test wants them.
        Http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = BaseUrl };
        Client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(host.ApiUrl.ToString()), ApiKey = key, MaxRetries = 0 });
    }

    public FlowsServerHost Host { get; }

    public Uri BaseUrl { get; }

    public HttpClient Http { get; }

    public PrefectClient Client { get; }

    public static async Task<UiServer> StartAsync(string? key = null, ILoggerFactory? loggerFactory = null, string? prefectUiDirectory = null)
    {
        var home = Path.Combine(Path.GetTempPath(), "flows-ui-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(home);
        var host = await FlowsServer.StartAsync(new FlowsServerOptions
        {
            Port = 0, DatabaseUrl = $"sqlite:///{home}/flows.db", FlowsHome = home, ApiKeys = key is null ? [] : [key], SchedulerInterval = TimeSpan.Zero,
            PrefectUiDirectory = prefectUiDirectory,
        }, loggerFactory);
        return new UiServer(home, host, key);
    }

    public async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> GetAsync(string path, string? cookie = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        var response = await Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    public async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> PostFormAsync(string path, IEnumerable<KeyValuePair<string, string>> form, string? cookie = null, string? origin = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        var response = await Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    /// <summary>The anti-forgery token a page embeds (meta flows-csrf).</summary>
    public static string Csrf(string page) => CsrfMeta().Match(page) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("no csrf meta in the page");

    [GeneratedRegex("<meta name=\"flows-csrf\" content=\"([^\"]+)\">")]
    private static partial Regex CsrfMeta();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Client.Dispose();
        await Host.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder: best effort.
        }
    }
}
