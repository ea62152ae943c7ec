namespace Flows.Scheduling;

/// <summary>Why a schedule cannot be used: the field at fault (<c>cron</c>, <c>interval</c>, <c>rrule</c>,
/// <c>timezone</c>, <c>anchor_date</c>, or empty for the schedule as a whole), what is wrong, and how to fix it.</summary>
public sealed record ScheduleProblem(string Field, string Message, string Fix);

/// <summary>Thrown by the rule parsers; carries the <see cref="ScheduleProblem"/>.</summary>
public sealed class ScheduleException(ScheduleProblem problem) : Exception(problem.Message)
{
    public ScheduleProblem Problem { get; } = problem;
}
