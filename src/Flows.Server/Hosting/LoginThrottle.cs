using System.Collections.Concurrent;
using System.Net;

namespace Flows.Server.Hosting;

/// <summary>
/// Slows key guessing: a client address that offers <see cref="MaxFailures"/> wrong credentials within
/// <see cref="Window"/> is answered 429 (with Retry-After) on every request that needs a key until the window
/// ends, even with a right key, so guessing gains nothing by going on. Clients are told apart by their address only:
/// workers behind the same NAT as a guesser wait with it (they retry on 429 and honour Retry-After).
/// </summary>
internal sealed class LoginThrottle(TimeProvider time)
{
    public const int MaxFailures = 20;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    // Past this many tracked addresses, ended windows are dropped, so a spray of addresses cannot grow it without end.
    private const int TrimAbove = 10_000;

    private readonly ConcurrentDictionary<IPAddress, Failures> _failures = new();

    /// <summary>How long <paramref name="client"/> must wait, or null when it may try.</summary>
    private TimeSpan? RetryAfter(IPAddress? client)
    {
        if (client is null || !_failures.TryGetValue(client, out var failures))
        {
            return null;
        }

        var left = failures.Start + Window - time.GetUtcNow();
        return failures.Count >= MaxFailures && left > TimeSpan.Zero ? left : null;
    }

    /// <summary>
    /// True when the request's address must wait; then the response carries <c>Retry-After</c> (whole seconds, rounded
    /// up) and the caller answers 429 in its own form (JSON for the API, the login page for the UI).
    /// </summary>
    public bool MustWait(Microsoft.AspNetCore.Http.HttpContext context)
    {
        if (RetryAfter(context.Connection.RemoteIpAddress) is not { } wait)
        {
            return false;
        }

        context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return true;
    }

    public void RecordFailure(IPAddress? client)
    {
        if (client is null)
        {
            return;
        }

        var now = time.GetUtcNow();
        _failures.AddOrUpdate(client, _ => new Failures(now, 1), (_, f) => f.Start + Window <= now ? new Failures(now, 1) : f with { Count = f.Count + 1 });
        if (_failures.Count > TrimAbove)
        {
            foreach (var (address, f) in _failures)
            {
                if (f.Start + Window <= now)
                {
                    _failures.TryRemove(address, out _);
                }
            }
        }
    }

    private sealed record Failures(DateTimeOffset Start, int Count);
}
