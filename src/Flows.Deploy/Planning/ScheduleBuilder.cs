using System.Globalization;
using System.Text.Json.Nodes;
using Flows.Api.Models;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Loading;
using Flows.Scheduling;
using static Flows.Deploy.Planning.PlanValues;

namespace Flows.Deploy.Planning;

/// <summary>A deployment's <c>schedules</c> (and Prefect's older single <c>schedule</c>), or the <c>--cron</c>/<c>--interval</c>
/// overrides, as the API's schedule bodies.</summary>
internal static class ScheduleBuilder
{
    public static List<DeploymentScheduleCreate> Build(JsonNode? schedules, JsonNode? single, YamlDocument doc, string pointer, DeployRequest request, List<DeployDiagnostic> errors)
    {
        // The file is the truth: no schedule means [], which clears the server's.
        var result = new List<DeploymentScheduleCreate>();
        if (request.Cron is not null || request.Interval is not null)
        {
            if (request.Cron is not null)
            {
                result.Add(new DeploymentScheduleCreate { Schedule = Schedule.FromCron(request.Cron, request.Timezone), Active = true });
            }

            if (request.Interval is { } seconds)
            {
                result.Add(new DeploymentScheduleCreate { Schedule = new Schedule { Interval = seconds, Timezone = request.Timezone }, Active = true });
            }

            return result;
        }

        var items = new List<(JsonNode? Node, string Pointer)>();
        if (schedules is JsonArray list)
        {
            items.AddRange(list.Select((s, i) => (s, $"{pointer}/schedules/{i}")));
        }
        else if (schedules is not null)
        {
            errors.Add(At(doc, $"{pointer}/schedules", DiagnosticCodes.DeploymentInvalid, "'schedules' must be a list", "Write each schedule as a '- cron: …' item"));
        }

        if (single is JsonObject one)
        {
            items.Add((one, $"{pointer}/schedule"));
        }

        foreach (var (node, at) in items)
        {
            if (node is not JsonObject s)
            {
                errors.Add(At(doc, at, DiagnosticCodes.DeploymentInvalid, "a schedule must be a mapping", "Write 'cron: \"0 * * * *\"', 'interval: 3600' or 'rrule: …'"));
                continue;
            }

            var kinds = new[] { "cron", "interval", "rrule" }.Where(s.ContainsKey).ToList();
            if (kinds.Count != 1)
            {
                errors.Add(At(doc, at, DiagnosticCodes.DeploymentInvalid, $"a schedule needs exactly one of cron, interval or rrule (found {(kinds.Count == 0 ? "none" : string.Join(", ", kinds))})",
                    "Keep one kind per schedule; add another list item for another"));
                continue;
            }

            var timezone = Text(s["timezone"]);
            Schedule schedule;
            switch (kinds[0])
            {
                case "cron":
                    schedule = new Schedule { Cron = Text(s["cron"]), Timezone = timezone, DayOr = Bool(s["day_or"]) };
                    break;
                case "interval":
                    var seconds = s["interval"] is JsonValue v && v.TryGetValue<double>(out var d) ? d
                        : double.TryParse(Text(s["interval"]), NumberStyles.Float, CultureInfo.InvariantCulture, out var p) ? p : double.NaN;
                    if (!(seconds > 0) || double.IsInfinity(seconds))
                    {
                        errors.Add(At(doc, $"{at}/interval", DiagnosticCodes.DeploymentInvalid, $"interval '{s["interval"]?.ToJsonString()}' is not a positive number of seconds", "Write interval: 3600 for hourly"));
                        continue;
                    }

                    DateTimeOffset? anchor = null;
                    if (Text(s["anchor_date"]) is { } a)
                    {
                        if (!DateTimeOffset.TryParse(a, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                        {
                            errors.Add(At(doc, $"{at}/anchor_date", DiagnosticCodes.DeploymentInvalid, $"anchor_date '{a}' is not a date-time", "Write an ISO 8601 date-time such as 2024-01-01T00:00:00Z"));
                            continue;
                        }

                        anchor = parsed;
                    }

                    schedule = new Schedule { Interval = seconds, AnchorDate = anchor, Timezone = timezone };
                    break;
                default:
                    schedule = new Schedule { Rrule = Text(s["rrule"]), Timezone = timezone };
                    break;
            }

            // Checked now, by the rules the server applies, so a bad schedule stops the plan before any image is built or pushed.
            if (ScheduleRules.Check(schedule) is { } problem)
            {
                errors.Add(At(doc, problem.Field.Length == 0 ? at : $"{at}/{problem.Field}", DiagnosticCodes.ScheduleInvalid, problem.Message, problem.Fix));
                continue;
            }

            result.Add(new DeploymentScheduleCreate
            {
                Schedule = schedule,
                Active = Bool(s["active"]) ?? true,
                Slug = Text(s["slug"]),
                MaxScheduledRuns = s["max_scheduled_runs"] is null ? null : Int(s["max_scheduled_runs"], doc, $"{at}/max_scheduled_runs", "max_scheduled_runs", errors),
                Parameters = s["parameters"] is JsonObject sp ? Elements(sp) : null,
            });
        }

        return result;
    }
}
