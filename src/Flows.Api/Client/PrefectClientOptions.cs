namespace Flows.Api.Client;

/// <summary>Where the API is, how to authenticate, and how hard to retry.</summary>
public sealed record PrefectClientOptions
{
    /// <summary>Environment variable holding the API URL.</summary>
    public const string ApiUrlVariable = "PREFECT_API_URL";

    /// <summary>Environment variable holding the API key (sent as a bearer token).</summary>
    public const string ApiKeyVariable = "PREFECT_API_KEY";

    /// <summary>The API root.</summary>
    public required PrefectApiUrl ApiUrl { get; init; }

    /// <summary>Bearer token, or null for a server without keys. Never logged or printed.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Retries after the first attempt, for idempotent calls only.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>Delay before the first retry; doubles each time, with jitter.</summary>
    public TimeSpan InitialRetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Upper bound of one retry delay (also caps a server's Retry-After).</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Timeout of one attempt.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Reads <c>PREFECT_API_URL</c> and <c>PREFECT_API_KEY</c>; returns null when no URL is set (the caller
    /// then uses the embedded server).
    /// </summary>
    public static PrefectClientOptions? FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        var url = getVariable(ApiUrlVariable);
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }

        var key = getVariable(ApiKeyVariable);
        return new PrefectClientOptions
        {
            ApiUrl = PrefectApiUrl.Parse(url),
            ApiKey = string.IsNullOrWhiteSpace(key) ? null : key.Trim(),
        };
    }

    // The generated record ToString would print the key.
    /// <inheritdoc />
    public override string ToString() => $"PrefectClientOptions {{ ApiUrl = {ApiUrl}, ApiKey = {(ApiKey is null ? "none" : "***")} }}";
}
