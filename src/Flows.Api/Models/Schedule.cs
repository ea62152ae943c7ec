namespace Flows.Api.Models;

/// <summary>
/// One of Prefect's schedule shapes in one type: set <see cref="Cron"/> (cron), <see cref="Interval"/>
/// (interval) or <see cref="Rrule"/> (rrule); nulls are left out on the wire, so each serializes as exactly
/// one of CronSchedule, IntervalSchedule or RRuleSchedule.
/// </summary>
public sealed record Schedule
{
    public string? Cron { get; init; }
    public bool? DayOr { get; init; }
    /// <summary>Interval in seconds.</summary>
    public double? Interval { get; init; }
    public DateTimeOffset? AnchorDate { get; init; }
    public string? Rrule { get; init; }
    public string? Timezone { get; init; }

    /// <summary>A cron schedule.</summary>
    public static Schedule FromCron(string cron, string? timezone = null) => new() { Cron = cron, Timezone = timezone };

    /// <summary>An interval schedule.</summary>
    public static Schedule FromInterval(TimeSpan interval, DateTimeOffset? anchorDate = null, string? timezone = null)
        => new() { Interval = interval.TotalSeconds, AnchorDate = anchorDate, Timezone = timezone };
}

/// <summary>A schedule as sent with a deployment.</summary>
public sealed record DeploymentScheduleCreate
{
    public bool? Active { get; init; }
    public required Schedule Schedule { get; init; }
    public int? MaxScheduledRuns { get; init; }
    public IDictionary<string, System.Text.Json.JsonElement>? Parameters { get; init; }
    public string? Slug { get; init; }
}

/// <summary>A deployment's schedule as the server returns it.</summary>
public sealed record DeploymentSchedule
{
    public required Guid Id { get; init; }
    public DateTimeOffset? Created { get; init; }
    public DateTimeOffset? Updated { get; init; }
    public Guid? DeploymentId { get; init; }
    public required Schedule Schedule { get; init; }
    public bool Active { get; init; } = true;
    public int? MaxScheduledRuns { get; init; }
    public IDictionary<string, System.Text.Json.JsonElement> Parameters { get; init; } = new Dictionary<string, System.Text.Json.JsonElement>();
    public string? Slug { get; init; }
}
