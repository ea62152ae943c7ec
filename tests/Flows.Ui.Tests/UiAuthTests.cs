using System.Collections.Concurrent;
using System.Net;
using Flows.Api.Models;
using Microsoft.Extensions.Logging;

namespace Flows.Ui.Tests;

/// <summary>With API keys configured the UI needs them too: login cookie, redirects, anti-forgery checks.</summary>
public sealed class UiAuthTests
{
    private const string Key = "ui-secret-key-5c1f";

    private static async Task<string> LoginAsync(UiServer server)
    {
        var (_, loginPage, _) = await server.GetAsync("/login");
        var (status, _, response) = await server.PostFormAsync("/login", [new("_csrf", UiServer.Csrf(loginPage)), new("key", Key), new("next", "/deployments")]);
        Assert.Equal(HttpStatusCode.SeeOther, status);
        Assert.Equal("/deployments", response.Headers.Location?.OriginalString);
        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        return setCookie.Split(';')[0];
    }

    [Fact]
    public async Task Pages_redirect_to_the_login_form_and_assets_and_health_stay_public()
    {
        await using var server = await UiServer.StartAsync(Key);
        foreach (var path in new[] { "/", "/deployments", $"/runs/{Guid.NewGuid()}", "/work-pools?after=a" })
        {
            var (status, _, response) = await server.GetAsync(path);
            Assert.Equal(HttpStatusCode.SeeOther, status);
            Assert.Equal("/login?next=" + Uri.EscapeDataString(path), response.Headers.Location?.OriginalString);
        }

        Assert.Equal(HttpStatusCode.OK, (await server.GetAsync("/ui/assets/app.css")).Status);
        Assert.Equal(HttpStatusCode.OK, (await server.GetAsync("/api/health")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.GetAsync("/api/version")).Status);
        // A form post without a key creates nothing.
        var (postStatus, _, _) = await server.PostFormAsync("/work-pools", [new("name", "sneaky"), new("type", "process")]);
        Assert.Equal(HttpStatusCode.SeeOther, postStatus);
        Assert.Empty(await server.Client.WorkPools.ReadWorkPoolsAsync());
    }

    [Fact]
    public async Task The_login_cookie_is_httponly_strict_and_opens_the_pages()
    {
        await using var server = await UiServer.StartAsync(Key);
        var (_, loginPage, _) = await server.GetAsync("/login");
        var (_, _, response) = await server.PostFormAsync("/login", [new("_csrf", UiServer.Csrf(loginPage)), new("key", Key), new("next", "/")]);
        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie")).ToLowerInvariant();
        Assert.Contains("httponly", setCookie);
        Assert.Contains("samesite=strict", setCookie);
        Assert.Contains("path=/", setCookie);

        var cookie = await LoginAsync(server);
        var (status, body, _) = await server.GetAsync("/", cookie);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("<h1>Flow runs</h1>", body);
        Assert.Contains("Log out", body);
        Assert.DoesNotContain(Key, body);

        // A cookie holding a wrong key is no better than none.
        Assert.Equal(HttpStatusCode.SeeOther, (await server.GetAsync("/", "flows_api_key=wrong")).Status);
    }

    [Fact]
    public async Task Wrong_keys_at_the_login_form_are_throttled_like_the_apis()
    {
        await using var server = await UiServer.StartAsync(Key);
        var (_, loginPage, _) = await server.GetAsync("/login");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 21; i++)
        {
            statuses.Add((await server.PostFormAsync("/login", [new("_csrf", UiServer.Csrf(loginPage)), new("key", $"guess-{i}"), new("next", "/")])).Status);
        }

        Assert.All(statuses.Take(20), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[20]);
        var (status, _, response) = await server.PostFormAsync("/login", [new("_csrf", UiServer.Csrf(loginPage)), new("key", Key), new("next", "/")]);
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task A_wrong_key_is_refused_without_being_echoed_and_the_next_url_must_be_local()
    {
        await using var server = await UiServer.StartAsync(Key);
        var (_, loginPage, _) = await server.GetAsync("/login");
        var (status, body, response) = await server.PostFormAsync("/login", [new("_csrf", UiServer.Csrf(loginPage)), new("key", "guess-7d2a"), new("next", "/")]);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("not accepted", body);
        Assert.DoesNotContain("guess-7d2a", body);
        Assert.False(response.Headers.Contains("Set-Cookie"));

        (status, _, response) = await server.PostFormAsync("/login", [new("_csrf", UiServer.Csrf(loginPage)), new("key", Key), new("next", "//evil.example/x")]);
        Assert.Equal(HttpStatusCode.SeeOther, status);
        Assert.Equal("/", response.Headers.Location?.OriginalString);

        // The login form itself needs its token.
        (status, _, _) = await server.PostFormAsync("/login", [new("key", Key)]);
        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task The_cookie_reaches_the_api_only_with_the_pages_token()
    {
        await using var server = await UiServer.StartAsync(Key);
        var cookie = await LoginAsync(server);
        var (_, page, _) = await server.GetAsync("/", cookie);
        var token = UiServer.Csrf(page);

        async Task<HttpStatusCode> ApiAsync(string? csrf)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/flows/filter") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("Cookie", cookie);
            if (csrf is not null)
            {
                request.Headers.Add("X-Flows-Csrf", csrf);
            }

            using var response = await server.Http.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await ApiAsync(null));
        Assert.Equal(HttpStatusCode.Unauthorized, await ApiAsync("forged"));
        Assert.Equal(HttpStatusCode.OK, await ApiAsync(token));
    }

    [Fact]
    public async Task Form_posts_need_the_token_and_a_same_origin()
    {
        await using var server = await UiServer.StartAsync(Key);
        var cookie = await LoginAsync(server);
        var (_, page, _) = await server.GetAsync("/work-pools", cookie);
        var token = UiServer.Csrf(page);
        KeyValuePair<string, string>[] pool = [new("name", "p1"), new("type", "process")];

        Assert.Equal(HttpStatusCode.Forbidden, (await server.PostFormAsync("/work-pools", pool, cookie)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.PostFormAsync("/work-pools", [.. pool, new("_csrf", token)], cookie, origin: "http://localhost:8080")).Status);
        Assert.Empty(await server.Client.WorkPools.ReadWorkPoolsAsync());

        var origin = server.BaseUrl.GetLeftPart(UriPartial.Authority);
        Assert.Equal(HttpStatusCode.SeeOther, (await server.PostFormAsync("/work-pools", [.. pool, new("_csrf", token)], cookie, origin)).Status);
        Assert.Equal("p1", Assert.Single(await server.Client.WorkPools.ReadWorkPoolsAsync()).Name);

        // Logging out needs the token too, and then clears the cookie.
        Assert.Equal(HttpStatusCode.Forbidden, (await server.PostFormAsync("/logout", [], cookie)).Status);
        var (status, _, response) = await server.PostFormAsync("/logout", [new("_csrf", token)], cookie);
        Assert.Equal(HttpStatusCode.SeeOther, status);
        Assert.Contains("flows_api_key=;", Assert.Single(response.Headers.GetValues("Set-Cookie")));
    }

    [Fact]
    public async Task The_key_never_reaches_the_log()
    {
        var provider = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(provider));
        await using (var server = await UiServer.StartAsync(Key, factory))
        {
            var cookie = await LoginAsync(server);
            var (_, page, _) = await server.GetAsync("/work-pools", cookie);
            await server.PostFormAsync("/work-pools", [new("name", "p"), new("type", "process"), new("_csrf", UiServer.Csrf(page))], cookie);
            await server.GetAsync("/", cookie);
            await server.GetAsync("/", "flows_api_key=" + Key + "x");
            await server.Client.WorkPools.ReadWorkPoolAsync("p");
            await Assert.ThrowsAnyAsync<Exception>(() => server.Client.FlowRuns.ReadFlowRunAsync(Guid.NewGuid()));
        }

        Assert.NotEmpty(provider.Messages);
        Assert.DoesNotContain(provider.Messages, m => m.Contains(Key, StringComparison.Ordinal));
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => owner.Messages.Enqueue(formatter(state, exception) + " " + exception + " " + state);
        }
    }
}
