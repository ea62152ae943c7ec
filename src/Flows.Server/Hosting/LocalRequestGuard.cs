using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Flows.Server.Hosting;

/// <summary>
/// What keeps a web page from driving a key-less server (the <c>dev</c> and embedded default on loopback). Without
/// keys nothing else tells a browser's request from the CLI's, and a page the developer visits can send requests to
/// 127.0.0.1, so:
/// <list type="bullet">
/// <item>On a loopback bind only loopback Host names are served (plus <see cref="FlowsServerOptions.AllowedHosts"/>):
/// DNS rebinding makes a page's own name resolve to 127.0.0.1, but the browser still sends that name as Host.</item>
/// <item>Under <c>/api</c>, a state-changing request with a body must be JSON (else 415): the bodies a page may
/// send cross-site without a preflight are <c>text/plain</c>, forms and multipart only.</item>
/// <item>Under <c>/api</c>, a state-changing request that a browser marks as coming from another site
/// (<c>Sec-Fetch-Site</c>) or another origin (<c>Origin</c>) is a 403. Another port of localhost is "same-site",
/// so only same-origin passes. The CLI, workers and SDKs send neither header.</item>
/// </list>
/// Our UI's form posts (outside <c>/api</c>) carry their own anti-forgery token and Origin check (<c>UiAuth</c>).
/// A server with keys needs none of this: a page cannot attach the key (the UI cookie reaches /api only with the CSRF header).
/// </summary>
internal sealed class LocalRequestGuard
{
    // host.docker.internal: the docker worker rewrites a loopback API URL to it for containers off the host network, and
    // Docker Desktop forwards it to the host's loopback. No page controls what that name resolves to, so it gives
    // rebinding nothing.
    private static readonly string[] LoopbackNames = ["localhost", "127.0.0.1", "[::1]", "host.docker.internal"];

    private readonly HashSet<string>? _hosts;

    private LocalRequestGuard(HashSet<string>? hosts) => _hosts = hosts;

    /// <summary>The guard for a key-less server; null when the server has keys.</summary>
    public static LocalRequestGuard? For(FlowsServerOptions options)
    {
        if (options.ApiKeys.Count > 0)
        {
            return null;
        }

        // A key-less server bound elsewhere was opened on purpose (--allow-unauthenticated); it is reached by whatever
        // name its network gives it, so its Host is checked only when names are listed.
        var loopback = FlowsServerOptions.IsLoopback(options.Host);
        var hosts = loopback || options.AllowedHosts.Count > 0
            ? new HashSet<string>(StringComparer.OrdinalIgnoreCase)
            : null;
        if (loopback)
        {
            hosts!.UnionWith(LoopbackNames);
        }

        foreach (var name in options.AllowedHosts)
        {
            hosts!.Add(NormalizeHost(name));
        }

        return new LocalRequestGuard(hosts is not null && hosts.Contains("*") ? null : hosts);
    }

    /// <summary>Why the request is refused (status and detail), or null to serve it.</summary>
    public (HttpStatusCode Status, string Detail)? Refusal(HttpContext context)
    {
        var request = context.Request;
        if (_hosts is not null && !IsAllowedHost(request.Host.Host))
        {
            return (HttpStatusCode.BadRequest,
                $"Host '{request.Host.Host}' is not served by this server without API keys: use localhost or 127.0.0.1, or start it with --allowed-host NAME (FLOWS_ALLOWED_HOSTS).");
        }

        if (!request.Path.StartsWithSegments("/api") || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
        {
            return null;
        }

        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && !site.Equals("same-origin", StringComparison.OrdinalIgnoreCase) && !site.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return (HttpStatusCode.Forbidden, $"Cross-site request refused (Sec-Fetch-Site: {site}): this server has no API keys, so only its own pages and non-browser clients may change it.");
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            return (HttpStatusCode.Forbidden, "Cross-origin request refused: this server has no API keys, so only its own pages and non-browser clients may change it.");
        }

        var contentType = request.ContentType;
        var hasBody = request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);
        if ((contentType is not null || hasBody) && !IsJson(contentType))
        {
            return (HttpStatusCode.UnsupportedMediaType, $"Unsupported content type '{contentType}': send the body as application/json.");
        }

        return null;
    }

    private bool IsAllowedHost(string host)
        => host.Length > 0 && (_hosts!.Contains(host) || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address)));

    private static bool IsJson(string? contentType)
        => MediaTypeHeaderValue.TryParse(contentType, out var media)
           && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
               || media.MediaType.Value!.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    // Names are compared as HostString.Host gives them: no port, IPv6 in brackets.
    private static string NormalizeHost(string name)
    {
        var trimmed = name.Trim();
        return IPAddress.TryParse(trimmed, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !trimmed.StartsWith('[')
            ? $"[{trimmed}]"
            : trimmed;
    }
}
