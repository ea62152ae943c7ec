using System.Globalization;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Evaluation;

namespace Flows.Scheduling;

/// <summary>
/// An rrule schedule read as Prefect reads it (<c>dateutil.rrule.rrulestr</c>, then localised to the schedule's
/// timezone): a bare <c>FREQ=…</c> rule, or lines of <c>DTSTART</c>, <c>RRULE</c>, <c>EXRULE</c>, <c>RDATE</c> and
/// <c>EXDATE</c>. Without <c>DTSTART</c> the anchor is 2020-01-01 00:00. Every time is wall-clock time in the schedule's
/// timezone (a <c>Z</c> or <c>TZID</c> on a time is replaced by it, as Prefect does). Evaluated by Ical.Net.
/// </summary>
public sealed class RruleRule
{
    /// <summary>Prefect's limit (about a year of RDATEs).</summary>
    public const int MaxLength = 6500;

    /// <summary>Candidates without a match before evaluation stops, as Prefect's 1,000 iterations.</summary>
    private const int MaxUnmatched = 1000;

    private static readonly DateTime DefaultAnchor = new(2020, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
    private static readonly FrequencyType[] SubDaily = [FrequencyType.Secondly, FrequencyType.Minutely, FrequencyType.Hourly];

    private readonly string text;
    private readonly TimeZoneInfo zone;
    private readonly DateTime anchor;
    private readonly List<RecurrencePattern> rules;
    private readonly List<RecurrencePattern> exceptionRules;
    private readonly List<DateTime> dates;
    private readonly List<DateTime> exceptionDates;

    private RruleRule(string text, TimeZoneInfo zone, DateTime anchor, List<RecurrencePattern> rules, List<RecurrencePattern> exceptionRules, List<DateTime> dates, List<DateTime> exceptionDates)
        => (this.text, this.zone, this.anchor, this.rules, this.exceptionRules, this.dates, this.exceptionDates) = (text, zone, anchor, rules, exceptionRules, dates, exceptionDates);

    /// <exception cref="ScheduleException">The text is not an rrule Prefect's server would accept, or the timezone is not IANA.</exception>
    public static RruleRule Parse(string rrule, string? timezone)
    {
        var zone = ScheduleZones.Find(timezone);
        if (rrule.Length > MaxLength)
        {
            throw Invalid(rrule, $"it is {rrule.Length} characters long, more than Prefect's {MaxLength}");
        }

        var (anchor, rules, exceptionRules, dates, exceptionDates) = ((DateTime?)null, new List<RecurrencePattern>(), new List<RecurrencePattern>(), new List<DateTime>(), new List<DateTime>());
        foreach (var raw in rrule.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = colon < 0 ? "RRULE" : line[..colon].Split(';')[0].Trim().ToUpperInvariant();
            var value = colon < 0 ? line : line[(colon + 1)..].Trim();
            switch (name)
            {
                case "RRULE":
                    rules.Add(Pattern(rrule, value));
                    break;
                case "EXRULE":
                    exceptionRules.Add(Pattern(rrule, value));
                    break;
                case "DTSTART":
                    anchor = anchor is null ? Time(rrule, value) : throw Invalid(rrule, "it has more than one DTSTART");
                    break;
                case "RDATE":
                    dates.AddRange(value.Split(',').Select(v => Time(rrule, v.Trim())));
                    break;
                case "EXDATE":
                    exceptionDates.AddRange(value.Split(',').Select(v => Time(rrule, v.Trim())));
                    break;
                default:
                    throw Invalid(rrule, $"'{name}' is not one of DTSTART, RRULE, EXRULE, RDATE, EXDATE");
            }
        }

        if (rules.Count == 0 && dates.Count == 0)
        {
            throw Invalid(rrule, "it has no rule (FREQ=…) and no RDATE");
        }

        return new RruleRule(rrule, zone, anchor ?? DefaultAnchor, rules, exceptionRules, dates, exceptionDates);
    }

    /// <summary>Occurrences strictly after <paramref name="after"/> and at or before <paramref name="until"/>, ascending.
    /// Stops, as Prefect does, when <see cref="MaxUnmatched"/> candidates in a row match nothing.</summary>
    public IEnumerable<DateTimeOffset> Occurrences(DateTimeOffset after, DateTimeOffset until)
    {
        // Evaluated in floating (wall-clock) time and placed in the zone afterwards, as dateutil's naive rules are by
        // Prefect: Ical.Net's zoned evaluation moves BYHOUR times on the day clocks change (09:00 became 10:00).
        var localAfter = TimeZoneInfo.ConvertTime(after, zone).DateTime;
        var from = localAfter.AddDays(-1);
        var occurrences = Event(localAfter).GetOccurrences(Floating(from), new EvaluationOptions { MaxUnmatchedIncrementsLimit = MaxUnmatched });
        using var e = occurrences.GetEnumerator();
        var last = DateTimeOffset.MinValue;
        while (true)
        {
            DateTimeOffset next;
            try
            {
                if (!e.MoveNext())
                {
                    yield break;
                }

                next = InZone(e.Current.Period.StartTime.Value);
            }
            catch (EvaluationLimitExceededException)
            {
                yield break;
            }

            // Wall-clock times two days past 'until' are past it in any zone.
            if (next > until && e.Current.Period.StartTime.Value > TimeZoneInfo.ConvertTime(until, zone).DateTime.AddDays(2))
            {
                yield break;
            }

            if (next > after && next <= until && next > last)
            {
                last = next;
                yield return next;
            }
        }
    }

    /// <summary>A wall-clock time in the zone as dateutil with fold=0 places it: a time the clocks skip takes the offset
    /// before the change (02:30 → 03:30), a time they repeat is its first occurrence.</summary>
    private DateTimeOffset InZone(DateTime wallClock)
    {
        var local = DateTime.SpecifyKind(wallClock, DateTimeKind.Unspecified);
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max()
            : zone.IsInvalidTime(local) ? zone.GetUtcOffset(local.AddHours(-3))
            : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    public override string ToString() => text;

    private CalendarEvent Event(DateTime localAfter)
    {
        var calendarEvent = new CalendarEvent { DtStart = Floating(StartFor(localAfter)) };

        // Several RRULEs and EXRULE are obsolete in Ical.Net (EXRULE is deprecated by RFC 5545), but dateutil, and so
        // Prefect, accept them: a schedule valid on Prefect's server stays valid here.
#pragma warning disable CS0618
        foreach (var rule in rules)
        {
            calendarEvent.RecurrenceRules.Add(rule);
        }

        foreach (var rule in exceptionRules)
        {
            calendarEvent.ExceptionRules.Add(rule);
        }
#pragma warning restore CS0618

        calendarEvent.RecurrenceDates.AddRange(dates.Select(Floating));
        calendarEvent.ExceptionDates.AddRange(exceptionDates.Select(Floating));
        return calendarEvent;
    }

    /// <summary>
    /// Ical.Net walks every occurrence from DTSTART: a 30-second rule anchored in 2020 is millions of steps. Rules
    /// finer than a day and without COUNT repeat the same wall-clock pattern every whole number of days that is also
    /// a whole number of their periods, so the anchor moves forward by such a span (Prefect does the same for its
    /// rules without DTSTART). Rules with COUNT, or a day or longer, keep their anchor.
    /// </summary>
    private DateTime StartFor(DateTime localAfter)
    {
        var all = rules.Concat(exceptionRules).ToList();
        if (all.Count == 0 || all.Any(r => r.Count is not null || !SubDaily.Contains(r.Frequency)))
        {
            return anchor;
        }

        long span = 86_400;
        foreach (var rule in all)
        {
            var period = (long)Math.Max(1, rule.Interval) * (rule.Frequency switch { FrequencyType.Secondly => 1, FrequencyType.Minutely => 60, _ => 3600 });
            span = span / (long)System.Numerics.BigInteger.GreatestCommonDivisor(span, period) * period;
        }

        // Stay two spans behind 'after', so no occurrence near it is lost to an offset change.
        var steps = Math.Floor((localAfter - anchor).TotalSeconds / span) - 2;
        return steps <= 0 ? anchor : anchor.AddSeconds(steps * span);
    }

    private static CalDateTime Floating(DateTime wallClock) => new(DateTime.SpecifyKind(wallClock, DateTimeKind.Unspecified), null, true);

    private static RecurrencePattern Pattern(string rrule, string value)
    {
        if (!value.Split(';').Any(p => p.Trim().StartsWith("FREQ=", StringComparison.OrdinalIgnoreCase)))
        {
            throw Invalid(rrule, $"'{value}' has no FREQ");
        }

        try
        {
            return new RecurrencePattern(value);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
        {
            throw Invalid(rrule, ex.Message.Split(" (Parameter", StringSplitOptions.None)[0].TrimEnd('.'));
        }
    }

    /// <summary>A DATE-TIME (<c>20240101T090000</c>, a trailing Z ignored) or DATE (<c>20240101</c>) value, as wall-clock time.</summary>
    private static DateTime Time(string rrule, string value)
    {
        var plain = value.TrimEnd('Z', 'z');
        return DateTime.TryParseExact(plain, ["yyyyMMdd'T'HHmmss", "yyyyMMdd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time
            : throw Invalid(rrule, $"'{value}' is not a date-time such as 20240101T090000");
    }

    private static ScheduleException Invalid(string rrule, string why) => new(new ScheduleProblem("rrule", $"rrule '{Shorten(rrule)}' is not valid: {why}",
        "Write an RFC 5545 rule such as \"FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=9;BYMINUTE=0\" (optionally with DTSTART:20240101T090000 on the line before)"));

    private static string Shorten(string text) => text.Length <= 80 ? text.ReplaceLineEndings("\\n") : text[..77].ReplaceLineEndings("\\n") + "...";
}
