using System.Net;
using System.Net.Http.Headers;

namespace Flows.Shared;

/// <summary>
/// When to try a repeatable call again, one rule for every client that retries (the Prefect API client, registry
/// pushes, AWS calls): which answers are worth another attempt, and how long to wait before it.
/// </summary>
internal static class RetryDelay
{
    /// <summary>
    /// 408, 429, 500, 502, 503 and 504: the server was busy, restarting or behind a proxy that gave up. Other 5xx
    /// (501 Not Implemented, 505…) say the same call will fail again.
    /// </summary>
    public static bool IsTransient(HttpStatusCode status) => status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
        or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    /// <summary>
    /// The wait before attempt <paramref name="attempt"/> + 1 (attempts count from 1): the server's <c>Retry-After</c>
    /// when it gave one (seconds or a date; never negative, at most <paramref name="max"/>), else
    /// <paramref name="initial"/>·2^(attempt−1), at most <paramref name="max"/>, with "equal jitter" (half fixed, half
    /// random) so that clients refused together do not come back together.
    /// </summary>
    public static TimeSpan Next(int attempt, TimeSpan initial, TimeSpan max, RetryConditionHeaderValue? retryAfter = null)
    {
        var hinted = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (hinted is { } wait)
        {
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait < max ? wait : max;
        }

        var exponential = Math.Min(initial.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempt - 1)), max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((exponential / 2) + (Random.Shared.NextDouble() * exponential / 2));
    }
}
