namespace Flows.Kubernetes.Fake;

/// <summary>
/// The cluster's time: starts at a fixed instant and moves only when a test advances it, so timestamps and
/// ttlSecondsAfterFinished are deterministic (watch timeoutSeconds stays on real time: a client waits on it).
/// </summary>
public sealed class FakeClock
{
    private readonly object _gate = new();
    private DateTimeOffset _now;

    public FakeClock(DateTimeOffset start) => _now = start;

    public DateTimeOffset Now
    {
        get
        {
            lock (_gate)
            {
                return _now;
            }
        }
    }

    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(by), "time only moves forward");
        }

        lock (_gate)
        {
            _now += by;
        }
    }

    /// <summary>RFC 3339 with seconds, as metav1.Time serialises.</summary>
    public string Timestamp() => Format(Now);

    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
