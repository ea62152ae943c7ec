using Flows.Api.Models;
using Flows.Scheduling;

namespace Flows.Server.Tests.Scheduling;

/// <summary>The shared schedule rules (Flows.Scheduling) read cron and rrule as Prefect's croniter and dateutil do.</summary>
public sealed class ScheduleRulesTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static List<DateTimeOffset> Runs(Schedule schedule, int days = 40, int max = 100) => ScheduleRules.Occurrences(schedule, Start, Start.AddDays(days), max).ToList();

    [Fact]
    public void A_cron_with_day_of_month_and_day_of_week_matches_either_unless_day_or_is_false()
    {
        // January 2026: the 13th is a Tuesday; Fridays are the 2nd, 9th, 16th, 23rd, 30th. Friday the 13th is in February.
        var either = Runs(Schedule.FromCron("0 0 13 * 5"), days: 31);
        Assert.Equal([2, 9, 13, 16, 23, 30], either.Select(t => t.Day));

        var both = Runs(new Schedule { Cron = "0 0 13 * 5", DayOr = false }, days: 60);
        Assert.Equal([new DateTimeOffset(2026, 2, 13, 0, 0, 0, TimeSpan.Zero)], both);
    }

    [Fact]
    public void A_six_field_cron_has_the_seconds_last_as_croniter()
    {
        var runs = Runs(Schedule.FromCron("0 12 * * * 30"), max: 2);
        Assert.Equal([Start.AddHours(12).AddSeconds(30), Start.AddDays(1).AddHours(12).AddSeconds(30)], runs);
    }

    [Fact]
    public void An_rrule_is_wall_clock_time_in_its_timezone_across_daylight_saving()
    {
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var runs = ScheduleRules.Occurrences(new Schedule { Rrule = "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", Timezone = "Europe/Paris" },
            new DateTimeOffset(2026, 3, 27, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 31, 0, 0, 0, TimeSpan.Zero), 10).ToList();
        Assert.Equal(4, runs.Count);
        Assert.All(runs, r => Assert.Equal(9, TimeZoneInfo.ConvertTime(r, paris).Hour));
        Assert.Equal([8, 8, 7, 7], runs.Select(r => r.UtcDateTime.Hour)); // summer time from 29 March
    }

    [Fact]
    public void An_rrule_with_dtstart_exdate_and_rdate_is_read_as_dateutil_reads_it()
    {
        var runs = Runs(new Schedule { Rrule = "DTSTART:20260105T090000\nRRULE:FREQ=DAILY;COUNT=3\nEXDATE:20260106T090000\nRDATE:20260110T120000" });
        Assert.Equal([new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 1, 7, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 1, 10, 12, 0, 0, TimeSpan.Zero)], runs);
    }

    [Theory]
    [InlineData("FREQ=MINUTELY;INTERVAL=7", 7 * 60)]
    [InlineData("FREQ=SECONDLY;INTERVAL=45", 45)]
    [InlineData("FREQ=HOURLY;INTERVAL=5", 5 * 3600)]
    public void A_fine_rrule_without_dtstart_keeps_the_phase_of_the_2020_anchor(string rrule, int periodSeconds)
    {
        // Runs are computed from an anchor moved close to now; they must be the ones counted from 2020-01-01 00:00.
        var after = new DateTimeOffset(2026, 12, 3, 23, 41, 17, TimeSpan.Zero);
        var runs = ScheduleRules.Occurrences(new Schedule { Rrule = rrule }, after, after.AddDays(2), 5).ToList();
        Assert.Equal(5, runs.Count);
        Assert.All(runs, r => Assert.Equal(0, (long)(r - ScheduleRules.DefaultAnchor).TotalSeconds % periodSeconds));
        Assert.True(runs[0] > after && runs[0] <= after.AddSeconds(periodSeconds), $"first run {runs[0]:O} is not the next after {after:O}");
        Assert.Equal(Enumerable.Repeat(TimeSpan.FromSeconds(periodSeconds), 4), runs.Zip(runs.Skip(1), (a, b) => b - a));
    }

    [Fact]
    public void An_rrule_that_never_matches_stops_instead_of_spinning()
    {
        Assert.Empty(Runs(new Schedule { Rrule = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30" }, days: 3650));
    }

    [Theory]
    [InlineData("cron", "H 0 * * *")]
    [InlineData("cron", "0 0 * * * * 2027")]
    [InlineData("cron", "@every_second")]
    [InlineData("rrule", "FREQ=DAILY\nVEVENT:x")]
    [InlineData("rrule", "")]
    [InlineData("timezone", "../../../etc/passwd")]
    [InlineData("interval", "0")]
    [InlineData("interval", "NaN")]
    public void Problems_name_their_field(string field, string value)
    {
        var schedule = field switch
        {
            "cron" => Schedule.FromCron(value),
            "rrule" => new Schedule { Rrule = value },
            "timezone" => new Schedule { Cron = "0 0 * * *", Timezone = value },
            _ => new Schedule { Interval = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
        };
        Assert.Equal(field, ScheduleRules.Check(schedule)?.Field);
    }
}
