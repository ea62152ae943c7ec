namespace Flows.Api.Client;

/// <summary>Where the API is, how to authenticate, and how hard to retry.</summary>
public sealed record PrefectClientOptions
{
    /// <summary>Environment variable holding the API URL.</summary>
    public const string ApiUrlVariable = "PREFECT_API_URL";

    /// <summary>Environment variable holding the API key (sent as a bearer token).</summary>
    public const string ApiKeyVariable = "PREFECT_API_KEY";

    /// <summary>
    /// A file holding the API key, read when PREFECT_API_KEY is unset: how the docker worker hands the key to a
    /// container without putting it in the container's env, which <c>docker inspect</c> shows to anyone with the Engine.
    /// </summary>
    public const string ApiKeyFileVariable = "PREFECT_API_KEY_FILE";

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
    /// When set, a call that may be repeated is retried until this much time has passed since its first attempt,
    /// however many attempts that takes (<see cref="MaxRetries"/> is then ignored). The runner and the worker set it
    /// (<see cref="OutageBudgetVariable"/>, default <see cref="DefaultOutageBudget"/>) so that they ride out a server
    /// restart or a network outage; commands people wait on keep the short <see cref="MaxRetries"/>.
    /// </summary>
    public TimeSpan? OutageBudget { get; init; }

    /// <summary>Environment variable giving the runner's and the worker's <see cref="OutageBudget"/> in seconds.</summary>
    public const string OutageBudgetVariable = "FLOWS_API_OUTAGE_BUDGET_SECONDS";

    /// <summary>The outage the runner and the worker ride out unless told otherwise.</summary>
    public static readonly TimeSpan DefaultOutageBudget = TimeSpan.FromMinutes(5);

    /// <summary>
    /// These options with the <see cref="OutageBudget"/> of a long-running process (the runner, a worker):
    /// <see cref="OutageBudgetVariable"/> when set to a number of seconds, else <see cref="DefaultOutageBudget"/>.
    /// </summary>
    public PrefectClientOptions ForLongRunningProcess(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        return this with { OutageBudget = Flows.Shared.SettingValues.Seconds(getVariable(OutageBudgetVariable)) ?? DefaultOutageBudget };
    }

    /// <summary>
    /// Reads <c>PREFECT_API_URL</c> and <c>PREFECT_API_KEY</c> (or the file <c>PREFECT_API_KEY_FILE</c> names); returns
    /// null when no URL is set (the caller then uses the embedded server). An unreadable key file is an IOException
    /// naming the variable: running without the key would only fail later with 401.
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
        if (string.IsNullOrWhiteSpace(key) && getVariable(ApiKeyFileVariable) is { Length: > 0 } keyFile)
        {
            try
            {
                key = File.ReadAllText(keyFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"{ApiKeyFileVariable}={keyFile} cannot be read: {e.Message}", e);
            }
        }

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
