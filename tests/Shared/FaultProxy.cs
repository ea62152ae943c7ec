using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flows.Testing;

/// <summary>
/// A fault-injecting HTTP proxy between a client (runner, worker) and the real server, on a free loopback port.
/// Every request is forwarded as it is, unless a fault says otherwise: <see cref="Down"/> answers 503 without
/// forwarding (an outage); <see cref="MaxLatency"/> delays requests; <see cref="DropResponses"/> and <see cref="DropRate"/> forward the request, let the server
/// handle it, then reset the connection instead of answering (a response lost on the way back: the case that makes a
/// retry dangerous); a server that is not there (restarting) is a 502.
/// Linked into the test projects that need it (tests/Shared).
/// </summary>
internal sealed class FaultProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly ConcurrentDictionary<string, int> _dropsLeft = new();
    private CancellationTokenSource _streams = new();

    private FaultProxy(WebApplication app, HttpClient upstream)
    {
        _app = app;
        _upstream = upstream;
    }

    /// <summary>The proxy's API URL (the server's, with the proxy's port): give this to the client.</summary>
    public string ApiUrl { get; private set; } = string.Empty;

    /// <summary>While true, every request is answered 503 without reaching the server.</summary>
    public bool Down { get; set; }

    /// <summary>The share (0 to 1) of requests whose response is dropped after the server handled them.</summary>
    public double DropRate { get; set; }

    /// <summary>Each forwarded request waits a random time up to this before it is sent on (network latency).</summary>
    public TimeSpan MaxLatency { get; set; }

    /// <summary>Random source of <see cref="DropRate"/> and <see cref="MaxLatency"/> (seeded, so a chaos run can be repeated).</summary>
    public Random Random { get; set; } = new(1);

    /// <summary>What reached the proxy: "METHOD path → status" (or "→ dropped", "→ 503 (down)").</summary>
    public ConcurrentQueue<string> Journal { get; } = new();

    /// <summary>The next <paramref name="times"/> requests whose "METHOD path" ends with <paramref name="suffix"/> are handled
    /// by the server and then lose their response (connection reset).</summary>
    public void DropResponses(string method, string suffix, int times = 1) => _dropsLeft[$"{method} {suffix}"] = times;

    /// <summary>How many times the server handled a request matching "METHOD suffix" (dropped answers included).</summary>
    public int Forwarded(string method, string suffix) =>
        Journal.Count(line => line.StartsWith(method + " ", StringComparison.Ordinal) && line.Split(" → ")[0].EndsWith(suffix, StringComparison.Ordinal) && !line.EndsWith("(down)", StringComparison.Ordinal));

    public static async Task<FaultProxy> StartAsync(string serverApiUrl)
    {
        var target = new Uri(serverApiUrl);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var upstream = new HttpClient { BaseAddress = new Uri(target.GetLeftPart(UriPartial.Authority)), Timeout = TimeSpan.FromSeconds(60) };
        var proxy = new FaultProxy(app, upstream);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        proxy.ApiUrl = new UriBuilder(target) { Port = address.Port }.Uri.ToString();
        return proxy;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var line = $"{request.Method} {request.Path}";
        if (Down)
        {
            Journal.Enqueue(line + " → 503 (down)");
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), request.Path + request.QueryString);
        if (request.ContentLength > 0 || request.Headers.ContainsKey("Transfer-Encoding"))
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            forward.Content = new ByteArrayContent(buffer.ToArray());
            if (request.ContentType is { } type)
            {
                forward.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
        }

        if (request.Headers.Authorization.Count > 0)
        {
            forward.Headers.TryAddWithoutValidation("Authorization", request.Headers.Authorization.ToString());
        }

        if (MaxLatency > TimeSpan.Zero)
        {
            double wait;
            lock (Random)
            {
                wait = Random.NextDouble() * MaxLatency.TotalMilliseconds;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(wait), context.RequestAborted);
        }

        HttpResponseMessage response;
        try
        {
            // Headers first, so long responses (a Kubernetes watch, a log follow) stream through as they come.
            response = await _upstream.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (HttpRequestException e)
        {
            // The server is not there (restarting): what a load balancer in front of it answers.
            Journal.Enqueue($"{line} → 502 (upstream: {e.Message})");
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }

        using var _ = response;
        bool randomDrop;
        lock (Random)
        {
            randomDrop = DropRate > 0 && Random.NextDouble() < DropRate;
        }

        if (randomDrop || TakeDrop(request.Method, request.Path.Value ?? string.Empty))
        {
            await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
            Journal.Enqueue($"{line} → dropped (server answered {(int)response.StatusCode})");
            context.Abort();
            return;
        }

        Journal.Enqueue($"{line} → {(int)response.StatusCode}");
        context.Response.StatusCode = (int)response.StatusCode;
        if (response.Content.Headers.ContentType is { } contentType)
        {
            context.Response.ContentType = contentType.ToString();
        }

        var streams = _streams;
        using var copying = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, streams.Token);
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(copying.Token);
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await body.ReadAsync(buffer, copying.Token)) > 0)
            {
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), copying.Token);
                await context.Response.Body.FlushAsync(copying.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
            // Reset by the test (ResetStreams), or the client went away: cut the connection as a network blip would.
            context.Abort();
        }
    }

    /// <summary>Cuts every response still streaming (watches, log follows), as a dropped connection would.</summary>
    public void ResetStreams()
    {
        var old = Interlocked.Exchange(ref _streams, new CancellationTokenSource());
        old.Cancel(); // not disposed: a request may still be linking to it
    }

    private bool TakeDrop(string method, string path)
    {
        foreach (var (key, left) in _dropsLeft)
        {
            var space = key.IndexOf(' ', StringComparison.Ordinal);
            if (left > 0 && key[..space] == method && path.EndsWith(key[(space + 1)..], StringComparison.Ordinal)
                && _dropsLeft.TryUpdate(key, left - 1, left))
            {
                return true;
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
