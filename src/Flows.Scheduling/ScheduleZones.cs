namespace Flows.Scheduling;

/// <summary>Schedule timezones: IANA names only, as Prefect accepts (a Windows name such as "Eastern Standard Time" is
/// refused even where .NET would map it, so a file valid here is valid on Prefect's server too).</summary>
public static class ScheduleZones
{
    /// <summary>The zone for <paramref name="timezone"/>; UTC when null or empty.</summary>
    /// <exception cref="ScheduleException">Not an IANA timezone name.</exception>
    public static TimeZoneInfo Find(string? timezone)
    {
        if (string.IsNullOrEmpty(timezone))
        {
            return TimeZoneInfo.Utc;
        }

        // FindSystemTimeZoneById reads files named by the id: refuse anything that is not a plain zone name first.
        if (timezone.Length <= 64 && !timezone.Contains("..", StringComparison.Ordinal) && !timezone.StartsWith('/')
            && TimeZoneInfo.TryFindSystemTimeZoneById(timezone, out var zone) && zone.HasIanaId)
        {
            return zone;
        }

        throw new ScheduleException(new ScheduleProblem("timezone", $"timezone '{timezone}' is not an IANA timezone name",
            "Write a name from the IANA tz database, such as UTC, Europe/Paris or America/New_York"));
    }
}
