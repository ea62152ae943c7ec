using System.Net;
using System.Net.Sockets;

namespace Flows.Deploy.Tests.Publishing;

/// <summary>
/// A loopback HTTP proxy in front of a real registry that answers the first request matching <c>fault</c> with a
/// scripted status (503, 429), or the n-th matching request with the n-th of several statuses (429 then 503), and
/// forwards everything else unchanged. The registry builds upload Location URLs from the
/// Host header, so forwarding it keeps every follow-up request going through the proxy.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false });
    private readonly string _target;
    private readonly Func<HttpListenerRequest, bool> _fault;
    private readonly IReadOnlyList<HttpStatusCode> _statuses;
    private readonly Task _loop;
    private int _faultsLeft;

    public FaultProxy(string target, Func<HttpListenerRequest, bool> fault, HttpStatusCode status, int times = 1)
        : this(target, fault, Enumerable.Repeat(status, times).ToList())
    {
    }

    public FaultProxy(string target, Func<HttpListenerRequest, bool> fault, IReadOnlyList<HttpStatusCode> statuses)
    {
        _target = target;
        _fault = fault;
        _statuses = statuses;
        _faultsLeft = statuses.Count;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://localhost:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Registry => $"localhost:{Port}";

    public int FaultsInjected { get; private set; }

    public List<string> Requests { get; } = [];

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        lock (Requests)
        {
            Requests.Add($"{request.HttpMethod} {request.Url!.AbsolutePath}");
        }

        try
        {
            if (_fault(request) && Interlocked.Decrement(ref _faultsLeft) is var left && left >= 0)
            {
                FaultsInjected++;
                await request.InputStream.CopyToAsync(Stream.Null);
                context.Response.StatusCode = (int)_statuses[_statuses.Count - 1 - left];
                context.Response.Close();
                return;
            }

            using var forward = new HttpRequestMessage(new HttpMethod(request.HttpMethod), $"http://{_target}{request.Url!.PathAndQuery}");
            if (request.HasEntityBody)
            {
                using var body = new MemoryStream();
                await request.InputStream.CopyToAsync(body);
                forward.Content = new ByteArrayContent(body.ToArray());
            }

            foreach (var key in request.Headers.AllKeys.OfType<string>())
            {
                var value = request.Headers[key]!;
                if (key.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
                {
                    if (forward.Content is not null && !key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    {
                        forward.Content.Headers.TryAddWithoutValidation(key, value);
                    }
                }
                else if (!key.Equals("Connection", StringComparison.OrdinalIgnoreCase) && !key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                {
                    forward.Headers.TryAddWithoutValidation(key, value);
                }
            }

            using var response = await _upstream.SendAsync(forward);
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (key, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                context.Response.Headers[key] = string.Join(",", values);
            }

            var bytes = await response.Content.ReadAsByteArrayAsync();
            if (request.HttpMethod != "HEAD")
            {
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
            }
            else if (response.Content.Headers.ContentLength is { } length)
            {
                context.Response.ContentLength64 = length;
            }

            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or HttpRequestException or IOException)
        {
            context.Response.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
        _upstream.Dispose();
    }
}
