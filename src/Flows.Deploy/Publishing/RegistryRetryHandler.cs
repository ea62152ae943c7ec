using Microsoft.Extensions.Logging;

namespace Flows.Deploy.Publishing;

/// <summary>
/// Retries registry calls answered with a transient status, or failing at the socket, waiting as
/// <see cref="RetryDelay"/> says (the server's <c>Retry-After</c>, else exponential backoff with jitter, capped). The SDK's own push retries only socket errors; registries (ECR, Docker Hub, an overloaded
/// mirror) answer 429/503 under load, and every call a push makes is safe to repeat: HEADs, a monolithic blob PUT of
/// content-addressed bytes, and a manifest PUT of the same bytes.
/// </summary>
public sealed class RegistryRetryHandler(ILogger logger, int maxAttempts = 5, TimeSpan? baseDelay = null) : DelegatingHandler
{
    private readonly TimeSpan _baseDelay = baseDelay ?? TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    /// <summary>How many calls were retried (for reports and tests).</summary>
    public int Retries { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage? response = null;
            string why;
            try
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (!RetryDelay.IsTransient(response.StatusCode) || attempt >= maxAttempts)
                {
                    return response;
                }

                why = $"{(int)response.StatusCode} {response.ReasonPhrase}";
            }
            catch (HttpRequestException e) when (attempt < maxAttempts && !cancellationToken.IsCancellationRequested)
            {
                why = e.Message;
            }

            var delay = RetryDelay.Next(attempt, _baseDelay, MaxDelay, response?.Headers.RetryAfter);
            response?.Dispose();
            Retries++;
            // Information, not Warning: a retried call that then succeeds is not something to fail a build over.
            logger.LogInformation("{Method} {Path} on {Host}: {Why}; retrying in {Delay:0.0} s (attempt {Next} of {Max})",
                request.Method, request.RequestUri?.AbsolutePath, request.RequestUri?.Authority, why, delay.TotalSeconds, attempt + 1, maxAttempts);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }
}
