using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Flows.Api.Json;
using Flows.Shared;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flows.Api.Client;

/// <summary>
/// Sends one API call: JSON in and out, bearer auth, retries with exponential backoff and jitter on 408,
/// 429, 5xx and network errors, but only for calls that are safe to repeat (reads, and writes made safe: a state
/// proposal carries a transition id, a log batch has content-derived ids on our server). Retries stop after
/// <see cref="PrefectClientOptions.MaxRetries"/>, or when <see cref="PrefectClientOptions.OutageBudget"/> is set, once
/// that much time has passed. Errors become <see cref="PrefectApiException"/>.
/// Logs method, path and status only: never headers, so never the API key.
/// </summary>
internal sealed class PrefectTransport
{
    private readonly HttpClient _http;
    private readonly PrefectClientOptions _options;
    private readonly ILogger _logger;

    public PrefectTransport(HttpClient http, PrefectClientOptions options, ILogger? logger)
    {
        _http = http;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
    }

    public async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, bool idempotent, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, body, idempotent, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize(bytes, Metadata<T>())
                ?? throw new PrefectApiException(response.StatusCode, method.Method, path, "The server answered with an empty body.");
        }
        catch (JsonException ex)
        {
            throw new PrefectApiException(response.StatusCode, method.Method, path, $"The server's answer is not the expected JSON: {ex.Message}", ex);
        }
    }

    public async Task SendAsync(HttpMethod method, string path, object? body, bool idempotent, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, body, idempotent, cancellationToken).ConfigureAwait(false);
    }

    // The client reads and writes through the source-generated metadata only, never reflection, so a type missing
    // from PrefectJsonContext fails every test that sends it, not just a trimmed app in production.
    private static JsonTypeInfo<T> Metadata<T>() => (JsonTypeInfo<T>)Metadata(typeof(T));

    private static JsonTypeInfo Metadata(Type type) => PrefectJsonContext.Default.GetTypeInfo(type)
        ?? throw new InvalidOperationException($"{type} is not in {nameof(PrefectJsonContext)}: add [JsonSerializable(typeof({type.Name}))] to it.");

    /// <summary>Returns the successful response, or throws; 404 included (callers may catch it).</summary>
    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, object? body, bool idempotent, CancellationToken cancellationToken)
    {
        // Serialize once so every retry sends the same bytes.
        var payload = body is null ? null : JsonSerializer.SerializeToUtf8Bytes(body, Metadata(body.GetType()));
        var attempts = !idempotent ? 1 : _options.OutageBudget is null ? _options.MaxRetries + 1 : int.MaxValue;
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage? response = null;
            Exception? failure = null;
            using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptCts.CancelAfter(_options.RequestTimeout);
            try
            {
                using var request = BuildRequest(method, path, payload);
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, attemptCts.Token).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                failure = ex;
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                failure = new TimeoutException($"{method} {path} timed out after {_options.RequestTimeout.TotalSeconds:0.#} s.", ex);
            }

            if (response is { IsSuccessStatusCode: true })
            {
                return response;
            }

            var retriable = failure is not null || RetryDelay.IsTransient(response!.StatusCode);
            var delay = retriable ? RetryDelay.Next(attempt, _options.InitialRetryDelay, _options.MaxRetryDelay, response?.Headers.RetryAfter) : TimeSpan.Zero;
            if (!retriable || attempt >= attempts || started.Elapsed + delay > (_options.OutageBudget ?? TimeSpan.MaxValue))
            {
                if (failure is not null)
                {
                    throw new PrefectApiException(0, method.Method, path, failure.Message, failure);
                }

                using (response)
                {
                    var text = await response!.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                    throw new PrefectApiException(response.StatusCode, method.Method, path, PrefectApiException.ExtractDetail(text));
                }
            }

            if (_logger.IsEnabled(LogLevel.Debug))
            {
                _logger.LogDebug("{Method} {Path} attempt {Attempt} failed ({Reason}); retrying in {Delay} ms",
                    method, path, attempt, failure?.Message ?? ((int)response!.StatusCode).ToString(CultureInfo.InvariantCulture), (int)delay.TotalMilliseconds);
            }
            response?.Dispose();
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    private HttpRequestMessage BuildRequest(HttpMethod method, string path, byte[]? payload)
    {
        var request = new HttpRequestMessage(method, new Uri(_options.ApiUrl.BaseAddress, path));
        if (_options.ApiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (payload is not null)
        {
            request.Content = new ByteArrayContent(payload);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        return request;
    }
}
