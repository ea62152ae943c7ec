using Cronos;

namespace Flows.Scheduling;

/// <summary>
/// A cron schedule read as Prefect reads it (croniter): five fields, or six with the seconds last; croniter's macros;
/// with <c>day_or</c> (Prefect's default) a restricted day of month and day of week match when <b>either</b> does, as
/// in cron. Cronos alone matches when both do, so that case is the union of two expressions.
/// </summary>
public sealed class CronRule
{
    private static readonly string[] Macros = ["@midnight", "@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually"];
    private readonly CronExpression[] expressions;

    private CronRule(CronExpression[] expressions) => this.expressions = expressions;

    /// <exception cref="ScheduleException">The text is not a cron Prefect's server would accept.</exception>
    public static CronRule Parse(string cron, bool dayOr = true)
    {
        var text = cron.Trim();
        if (text.StartsWith('@'))
        {
            return Macros.Contains(text, StringComparer.OrdinalIgnoreCase)
                ? new CronRule([CronExpression.Parse(text)])
                : throw Invalid(cron, $"'{text}' is not one of {string.Join(", ", Macros)}");
        }

        var fields = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is not (5 or 6))
        {
            throw Invalid(cron, $"it has {fields.Length} fields; a cron has 5 (minute hour day-of-month month day-of-week), or 6 with the seconds last");
        }

        if (fields.Any(f => f is "R" or "r" or "H" or "h"))
        {
            throw Invalid(cron, "random (R) and hashed (H) fields are not supported by Prefect");
        }

        // croniter puts the seconds last; Cronos first.
        var (seconds, rest) = fields.Length == 6 ? (fields[5], fields[..5]) : (null, fields);
        var (dayOfMonth, dayOfWeek) = (rest[2], rest[4]);
        var variants = dayOr && Restricted(dayOfMonth) && Restricted(dayOfWeek)
            ? new[] { With(rest, 4, "*"), With(rest, 2, "*") }
            : [rest];
        try
        {
            return new CronRule(variants
                .Select(v => seconds is null ? CronExpression.Parse(string.Join(' ', v)) : CronExpression.Parse($"{seconds} {string.Join(' ', v)}", CronFormat.IncludeSeconds))
                .ToArray());
        }
        catch (Exception ex) when (ex is CronFormatException or ArgumentException or MissingSeedException)
        {
            throw Invalid(cron, ex.Message.TrimEnd('.'));
        }
    }

    /// <summary>Occurrences strictly after <paramref name="after"/> and at or before <paramref name="until"/>, ascending.</summary>
    public IEnumerable<DateTimeOffset> Occurrences(DateTimeOffset after, DateTimeOffset until, TimeZoneInfo zone)
    {
        if (expressions.Length == 1)
        {
            return expressions[0].GetOccurrences(after, until, zone, fromInclusive: false, toInclusive: true);
        }

        return Merge(expressions[0].GetOccurrences(after, until, zone, fromInclusive: false, toInclusive: true),
            expressions[1].GetOccurrences(after, until, zone, fromInclusive: false, toInclusive: true));
    }

    private static IEnumerable<DateTimeOffset> Merge(IEnumerable<DateTimeOffset> first, IEnumerable<DateTimeOffset> second)
    {
        using var a = first.GetEnumerator();
        using var b = second.GetEnumerator();
        var (hasA, hasB) = (a.MoveNext(), b.MoveNext());
        while (hasA || hasB)
        {
            if (hasA && (!hasB || a.Current <= b.Current))
            {
                var next = a.Current;
                yield return next;
                hasA = a.MoveNext();
                if (hasB && b.Current == next)
                {
                    hasB = b.MoveNext();
                }
            }
            else
            {
                yield return b.Current;
                hasB = b.MoveNext();
            }
        }
    }

    private static bool Restricted(string field) => field is not ("*" or "?");

    private static string[] With(string[] fields, int index, string value)
    {
        var copy = (string[])fields.Clone();
        copy[index] = value;
        return copy;
    }

    private static ScheduleException Invalid(string cron, string why) => new(new ScheduleProblem("cron", $"cron '{cron}' is not valid: {why}",
        "Write five fields, minute hour day-of-month month day-of-week, such as \"0 9 * * 1-5\" (09:00 on weekdays)"));
}
