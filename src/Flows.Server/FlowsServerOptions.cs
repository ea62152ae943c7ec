using System.Net;

namespace Flows.Server;

/// <summary>How to run the server; bind from flags or <see cref="FromEnvironment"/>, then <see cref="Validate"/>.</summary>
public sealed record FlowsServerOptions
{
    /// <summary>The path Prefect's UI is served under when <see cref="PrefectUiDirectory"/> is set (ours is at <c>/</c>).</summary>
    public const string PrefectUiPath = "/prefect-ui";

    /// <summary>Address to bind; loopback by default.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (read the bound URL from the host).</summary>
    public int Port { get; init; } = 4200;

    /// <summary>Database URL (see <see cref="Storage.DatabaseUrl"/>); null → SQLite under <see cref="FlowsHome"/>.</summary>
    public string? DatabaseUrl { get; init; }

    /// <summary>Home folder for the default SQLite file; default <c>~/.flows</c>.</summary>
    public string? FlowsHome { get; init; }

    /// <summary>Accepted bearer keys; empty → no authentication.</summary>
    public IReadOnlyList<string> ApiKeys { get; init; } = [];

    /// <summary>Allows binding a non-loopback address without keys.</summary>
    public bool AllowUnauthenticated { get; init; }

    /// <summary>Host names a key-less server answers besides localhost, 127.0.0.1 and [::1] (<c>--allowed-host</c>,
    /// FLOWS_ALLOWED_HOSTS, comma-separated; <c>*</c> answers any). See <see cref="Hosting.LocalRequestGuard"/>.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>Most log lines one <c>POST /logs/</c> may hold (FLOWS_LOG_BATCH_MAX_ENTRIES).</summary>
    public int MaxLogBatchEntries { get; init; } = 10_000;

    /// <summary>Most bytes of log messages one <c>POST /logs/</c> may hold (FLOWS_LOG_BATCH_MAX_BYTES; Prefect's client sends at most 4 MB).</summary>
    public long MaxLogBatchBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Most log lines kept per flow run (FLOWS_LOG_MAX_PER_RUN); later lines are dropped, and one warning line says so.</summary>
    public int MaxLogsPerRun { get; init; } = 200_000;

    /// <summary>How long log lines are kept, by their timestamp (FLOWS_LOG_RETENTION_DAYS); zero keeps them forever.</summary>
    public TimeSpan LogRetention { get; init; } = TimeSpan.Zero;

    /// <summary>Largest accepted request body (log batches included).</summary>
    public long MaxRequestBodyBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>How often schedules are turned into runs; zero turns the scheduler loop off.</summary>
    public TimeSpan SchedulerInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A build of Prefect's own web UI to serve at <c>/prefect-ui</c> (Prefect's <c>ui/dist</c>, or <c>server/ui</c>
    /// inside an installed <c>prefect</c> package); null serves only our UI. The folder is read, never written.
    /// </summary>
    public string? PrefectUiDirectory { get; init; }

    /// <summary>How long a run whose claim found no free concurrency slot waits before it is due again
    /// (Prefect's PREFECT_DEPLOYMENT_CONCURRENCY_SLOT_WAIT_SECONDS, default 30).</summary>
    public TimeSpan ConcurrencySlotWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a Pending or Running run's runner and every worker of its pool must be silent before the server
    /// marks it Crashed (<see cref="Orchestration.OrphanSweeper"/>); zero turns it off. FLOWS_ORPHAN_TIMEOUT_SECONDS.</summary>
    public TimeSpan OrphanTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Reads FLOWS_DATABASE_URL, FLOWS_HOME, FLOWS_SERVER_API_KEYS and FLOWS_ALLOWED_HOSTS (comma-separated),
    /// FLOWS_SCHEDULER_INTERVAL_SECONDS, PREFECT_DEPLOYMENT_CONCURRENCY_SLOT_WAIT_SECONDS, FLOWS_ORPHAN_TIMEOUT_SECONDS,
    /// FLOWS_LOG_BATCH_MAX_ENTRIES, FLOWS_LOG_BATCH_MAX_BYTES, FLOWS_LOG_MAX_PER_RUN and FLOWS_LOG_RETENTION_DAYS.</summary>
    public static FlowsServerOptions FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        return new FlowsServerOptions
        {
            DatabaseUrl = NullIfEmpty(getVariable("FLOWS_DATABASE_URL")),
            FlowsHome = NullIfEmpty(getVariable("FLOWS_HOME")),
            ApiKeys = List(getVariable("FLOWS_SERVER_API_KEYS")),
            AllowedHosts = List(getVariable("FLOWS_ALLOWED_HOSTS")),
            MaxLogBatchEntries = (int)Count(getVariable("FLOWS_LOG_BATCH_MAX_ENTRIES"), 10_000),
            MaxLogBatchBytes = Count(getVariable("FLOWS_LOG_BATCH_MAX_BYTES"), 4 * 1024 * 1024),
            MaxLogsPerRun = (int)Count(getVariable("FLOWS_LOG_MAX_PER_RUN"), 200_000),
            LogRetention = Seconds(getVariable("FLOWS_LOG_RETENTION_DAYS"), TimeSpan.Zero) * 86_400,
            ConcurrencySlotWait = Seconds(getVariable("PREFECT_DEPLOYMENT_CONCURRENCY_SLOT_WAIT_SECONDS"), TimeSpan.FromSeconds(30)),
            SchedulerInterval = Seconds(getVariable("FLOWS_SCHEDULER_INTERVAL_SECONDS"), TimeSpan.FromSeconds(10)),
            OrphanTimeout = Seconds(getVariable("FLOWS_ORPHAN_TIMEOUT_SECONDS"), TimeSpan.FromMinutes(5)),
        };
    }

    /// <summary>The effective home folder.</summary>
    public string ResolvedFlowsHome => FlowsHome
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".flows");

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line fix when the options are unusable.</summary>
    public void Validate()
    {
        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException($"Port {Port} is out of range 0-65535.");
        }

        if (ApiKeys.Count == 0 && !AllowUnauthenticated && !IsLoopback(Host))
        {
            throw new ArgumentException(
                $"Refusing to serve {Host} without API keys: set FLOWS_SERVER_API_KEYS, bind 127.0.0.1, or pass --allow-unauthenticated.");
        }

        if (PrefectUiDirectory is not null && !File.Exists(Path.Combine(PrefectUiDirectory, "index.html")))
        {
            throw new ArgumentException(
                $"'{PrefectUiDirectory}' is not a build of Prefect's UI (no index.html): pass Prefect's ui/dist, or the server/ui folder of an installed prefect package.");
        }
    }

    internal static bool IsLoopback(string host)
        => host == "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));

    private static TimeSpan Seconds(string? text, TimeSpan fallback) => Flows.Shared.SettingValues.Seconds(text) ?? fallback;

    /// <summary>A whole number from 1 to int.MaxValue from a variable, or <paramref name="fallback"/> when unset or not one.</summary>
    private static long Count(string? text, long fallback)
        => long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is > 0 and <= int.MaxValue ? n : fallback;

    private static string[] List(string? text)
        => (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <inheritdoc />
    public override string ToString() => $"FlowsServerOptions {{ Host = {Host}, Port = {Port}, ApiKeys = {ApiKeys.Count} }}";
}
