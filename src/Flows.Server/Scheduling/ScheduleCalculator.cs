using Cronos;
using Flows.Api.Models;
using Flows.Server.Hosting;

namespace Flows.Server.Scheduling;

/// <summary>Occurrences of a cron or interval schedule (pure; rrule is not supported yet).</summary>
public static class ScheduleCalculator
{
    /// <summary>Prefect's default anchor for interval schedules without one.</summary>
    private static readonly DateTimeOffset DefaultAnchor = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Throws a 422 <see cref="ApiException"/> when the schedule cannot be computed.</summary>
    public static void Validate(Schedule schedule) => _ = Occurrences(schedule, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 0).ToList();

    /// <summary>Occurrences strictly after <paramref name="after"/> and at or before <paramref name="until"/>, at most <paramref name="max"/>.</summary>
    public static IEnumerable<DateTimeOffset> Occurrences(Schedule schedule, DateTimeOffset after, DateTimeOffset until, int max)
    {
        var zone = Zone(schedule.Timezone);
        if (schedule.Cron is { } cron)
        {
            CronExpression expression;
            try
            {
                expression = CronExpression.Parse(cron, cron.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            }
            catch (CronFormatException ex)
            {
                throw ApiException.Invalid($"Invalid cron expression '{cron}': {ex.Message}");
            }

            return expression.GetOccurrences(after, until, zone, fromInclusive: false, toInclusive: true).Take(max);
        }

        if (schedule.Interval is { } seconds)
        {
            if (seconds <= 0 || double.IsNaN(seconds))
            {
                throw ApiException.Invalid("An interval schedule needs a positive interval (seconds).");
            }

            return IntervalOccurrences(schedule.AnchorDate ?? DefaultAnchor, TimeSpan.FromSeconds(seconds), after, until, max);
        }

        throw ApiException.Invalid(schedule.Rrule is not null
            ? "RRule schedules are not supported by this server yet: use cron or interval."
            : "A schedule needs cron or interval.");
    }

    private static IEnumerable<DateTimeOffset> IntervalOccurrences(DateTimeOffset anchor, TimeSpan interval, DateTimeOffset after, DateTimeOffset until, int max)
    {
        var steps = Math.Floor((after - anchor) / interval) + 1;
        var next = anchor + (interval * Math.Max(0, steps));
        for (var i = 0; i < max && next <= until; i++, next += interval)
        {
            if (next > after)
            {
                yield return next;
            }
        }
    }

    private static TimeZoneInfo Zone(string? timezone)
    {
        if (string.IsNullOrEmpty(timezone))
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(timezone);
        }
        catch (TimeZoneNotFoundException)
        {
            throw ApiException.Invalid($"Unknown timezone '{timezone}'.");
        }
    }
}
