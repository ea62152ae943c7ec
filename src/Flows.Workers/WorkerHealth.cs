namespace Flows.Workers;

/// <summary>
/// Whether a worker still polls its pool: what <c>worker start --with-healthcheck</c> serves at <c>/health</c> for a
/// liveness probe. Prefect's rule is "polled within 30 poll intervals" (5 minutes at its 10 s default); ours polls every
/// second, so the window is the longer of 30 intervals and <see cref="DefaultWindow"/>, the same 5 minutes the worker's
/// API calls ride out an outage for. Before the first poll the worker counts as fresh from its start.
/// </summary>
public sealed class WorkerHealth
{
    /// <summary>The shortest window: the worker's API outage budget (FLOWS_API_OUTAGE_BUDGET_SECONDS' default).</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(5);

    private readonly TimeProvider _time;
    private long _lastPollTimestamp;

    /// <param name="window">How long without a successful poll before the worker is unhealthy.</param>
    /// <param name="time">The clock (tests).</param>
    public WorkerHealth(TimeSpan window, TimeProvider? time = null)
    {
        if (window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "The health window must be positive.");
        }

        Window = window;
        _time = time ?? TimeProvider.System;
        _lastPollTimestamp = _time.GetTimestamp();
    }

    /// <summary>The window for a worker polling every <paramref name="pollInterval"/>: 30 polls, at least <see cref="DefaultWindow"/>.</summary>
    public static TimeSpan WindowFor(TimeSpan pollInterval) => TimeSpan.FromTicks(Math.Max(pollInterval.Ticks * 30, DefaultWindow.Ticks));

    public TimeSpan Window { get; }

    /// <summary>How long since the last successful poll (or the start).</summary>
    public TimeSpan SinceLastPoll => _time.GetElapsedTime(Interlocked.Read(ref _lastPollTimestamp));

    /// <summary>True while the last successful poll is within the window.</summary>
    public bool IsPolling => SinceLastPoll <= Window;

    /// <summary>Called by the worker after each poll that reached the API.</summary>
    public void RecordPoll() => Interlocked.Exchange(ref _lastPollTimestamp, _time.GetTimestamp());
}
