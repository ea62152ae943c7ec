using Flows.Api.Models;

namespace Flows.Scheduling;

/// <summary>Checks a schedule and computes its runs, the same way for the deploy engine and the server.</summary>
public static class ScheduleRules
{
    /// <summary>Prefect's default anchor for interval schedules without one.</summary>
    public static readonly DateTimeOffset DefaultAnchor = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Longer intervals never run within any horizon, and overflow date arithmetic.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(36_525);

    /// <summary>The first problem of <paramref name="schedule"/>, or null when Prefect's server would accept it and runs can be computed.</summary>
    public static ScheduleProblem? Check(Schedule schedule)
    {
        try
        {
            _ = Parse(schedule);
            return null;
        }
        catch (ScheduleException ex)
        {
            return ex.Problem;
        }
    }

    /// <summary>Occurrences strictly after <paramref name="after"/> and at or before <paramref name="until"/>, at most <paramref name="max"/>, ascending.</summary>
    /// <exception cref="ScheduleException">The schedule is not valid (<see cref="Check"/> says why).</exception>
    public static IEnumerable<DateTimeOffset> Occurrences(Schedule schedule, DateTimeOffset after, DateTimeOffset until, int max) => Parse(schedule) switch
    {
        (CronRule cron, _, var zone) => cron.Occurrences(after, until, zone).Take(max),
        (_, RruleRule rrule, _) => rrule.Occurrences(after, until).Take(max),
        _ => IntervalOccurrences(schedule.AnchorDate ?? DefaultAnchor, TimeSpan.FromSeconds(schedule.Interval!.Value), after, until, max),
    };

    private static (CronRule? Cron, RruleRule? Rrule, TimeZoneInfo Zone) Parse(Schedule schedule)
    {
        var kinds = (schedule.Cron is null ? 0 : 1) + (schedule.Interval is null ? 0 : 1) + (schedule.Rrule is null ? 0 : 1);
        if (kinds != 1)
        {
            throw new ScheduleException(new ScheduleProblem("", $"a schedule needs exactly one of cron, interval or rrule (found {kinds})",
                "Keep one kind per schedule; add another schedule for another"));
        }

        var zone = ScheduleZones.Find(schedule.Timezone);
        if (schedule.Cron is { } cron)
        {
            return (CronRule.Parse(cron, schedule.DayOr ?? true), null, zone);
        }

        if (schedule.Rrule is { } rrule)
        {
            return (null, RruleRule.Parse(rrule, schedule.Timezone), zone);
        }

        var seconds = schedule.Interval!.Value;
        if (!(seconds > 0) || seconds > MaxInterval.TotalSeconds)
        {
            throw new ScheduleException(new ScheduleProblem("interval", $"interval {seconds} is not a positive number of seconds of at most 100 years",
                "Write the interval in seconds, such as 3600 for hourly"));
        }

        return (null, null, zone);
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
}
