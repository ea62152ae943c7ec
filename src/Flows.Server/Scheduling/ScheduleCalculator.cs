using Flows.Api.Models;
using Flows.Scheduling;
using Flows.Server.Hosting;

namespace Flows.Server.Scheduling;

/// <summary>The server's side of <see cref="ScheduleRules"/>: a schedule it cannot use is a 422 naming the field, never a 500.</summary>
public static class ScheduleCalculator
{
    /// <summary>Throws a 422 <see cref="ApiException"/> for the first schedule Prefect's server would refuse. Every
    /// schedule is checked when it is written, active or not and on paused deployments too, so the scheduler never
    /// meets one it cannot read.</summary>
    public static void Validate(IEnumerable<Schedule> schedules)
    {
        foreach (var schedule in schedules)
        {
            if (ScheduleRules.Check(schedule) is { } problem)
            {
                throw Invalid(problem);
            }
        }
    }

    /// <summary>Occurrences strictly after <paramref name="after"/> and at or before <paramref name="until"/>, at most <paramref name="max"/>.</summary>
    public static IEnumerable<DateTimeOffset> Occurrences(Schedule schedule, DateTimeOffset after, DateTimeOffset until, int max)
    {
        try
        {
            // Materialised here so a problem surfaces as the 422 below, not while the caller enumerates.
            return ScheduleRules.Occurrences(schedule, after, until, max).ToList();
        }
        catch (ScheduleException ex)
        {
            throw Invalid(ex.Problem);
        }
    }

    private static ApiException Invalid(ScheduleProblem problem)
        => ApiException.Invalid($"Invalid schedule{(problem.Field.Length == 0 ? "" : $" ({problem.Field})")}: {problem.Message}. {problem.Fix}.");
}
