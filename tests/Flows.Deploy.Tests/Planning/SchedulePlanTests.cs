using Flows.Deploy.Diagnostics;
using Flows.Deploy.Planning;
using Flows.Deploy.Validation;

namespace Flows.Deploy.Tests.Planning;

/// <summary>Schedules are checked at plan time by the server's rules (Flows.Scheduling), located at the bad value, and
/// before any step with side effects could matter: a dry run reports them, a real plan stops on them.</summary>
public class SchedulePlanTests
{
    private static string Project(string schedules)
    {
        var dir = TestSupport.TempDirectory();
        File.WriteAllText(Path.Combine(dir, "prefect.yaml"), $"""
            deployments:
            - name: a
              entrypoint: HelloFlows.cs:hello
              schedules:
            {schedules}
            """);
        return dir;
    }

    private static DeployRequest Request(string dir) => new()
    {
        Project = dir, ManifestAssembly = TestSupport.ManifestFile(), All = true, DryRun = true, Environment = TestSupport.Env,
    };

    /// <summary>(line, column), 1-based, of the first occurrence of <paramref name="text"/> in the project's prefect.yaml.</summary>
    private static (int Line, int Column) At(string dir, string text)
    {
        var lines = File.ReadAllLines(Path.Combine(dir, "prefect.yaml"));
        var line = Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal));
        return (line + 1, lines[line].IndexOf(text, StringComparison.Ordinal) + 1);
    }

    [Theory]
    [InlineData("  - cron: \"61 * * * *\"", "\"61 * * * *\"", "cron '61 * * * *' is not valid")]
    [InlineData("  - cron: \"0 9 * *\"", "\"0 9 * *\"", "it has 4 fields")]
    [InlineData("  - cron: \"H 9 * * *\"", "\"H 9 * * *\"", "hashed (H)")]
    [InlineData("  - cron: \"0 9 * * *\"\n    timezone: Mars/Olympus", "Mars/Olympus", "timezone 'Mars/Olympus' is not an IANA timezone name")]
    [InlineData("  - cron: \"0 9 * * *\"\n    timezone: Eastern Standard Time", "Eastern Standard Time", "not an IANA timezone name")]
    [InlineData("  - interval: 9999999999999", "9999999999999", "at most 100 years")]
    [InlineData("  - rrule: \"FREQ=SOMETIMES\"", "\"FREQ=SOMETIMES\"", "rrule 'FREQ=SOMETIMES' is not valid")]
    [InlineData("  - rrule: \"BYHOUR=9\"", "\"BYHOUR=9\"", "has no FREQ")]
    [InlineData("  - rrule: \"FREQ=DAILY;BYHOUR=25\"", "\"FREQ=DAILY;BYHOUR=25\"", "BYHOUR value 25")]
    public async Task A_bad_schedule_is_a_located_FLOWS1605_with_the_fix(string schedule, string located, string message)
    {
        var dir = Project(schedule);
        var e = await Assert.ThrowsAsync<DeployException>(() => new DeploymentPlanner().PlanAsync(Request(dir)));

        var d = Assert.Single(e.Diagnostics, d => d.Code == DiagnosticCodes.ScheduleInvalid);
        Assert.Contains(message, d.Message, StringComparison.Ordinal);
        Assert.Equal((Path.Combine(dir, "prefect.yaml"), At(dir, located)), (d.File, (d.Line, d.Column)));
        Assert.False(string.IsNullOrEmpty(d.Fix));
        Assert.True(e.BadInput);
        Assert.Matches(@"prefect\.yaml\(\d+,\d+\): error FLOWS1605: ", d.ToString());
    }

    [Fact]
    public async Task Good_schedules_of_every_kind_plan_as_written()
    {
        var dir = Project("""
              - cron: "0 9 * * 1-5"
                timezone: Europe/Paris
              - cron: "@daily"
              - interval: 3600
                anchor_date: "2024-01-01T00:00:00Z"
              - rrule: "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=9;BYMINUTE=0"
                timezone: America/New_York
              - rrule: "DTSTART:20240101T090000\nRRULE:FREQ=DAILY\nEXDATE:20240102T090000"
            """);
        var plan = await new DeploymentPlanner().PlanAsync(Request(dir));

        var schedules = Assert.Single(plan.Deployments).Body.Schedules!.Select(s => s.Schedule).ToList();
        Assert.Equal(["0 9 * * 1-5", "@daily", null, "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=9;BYMINUTE=0", "DTSTART:20240101T090000\nRRULE:FREQ=DAILY\nEXDATE:20240102T090000"],
            schedules.Select(s => s.Cron ?? s.Rrule));
        Assert.Equal(3600, schedules[2].Interval);
    }

    [Fact]
    public async Task A_bad_schedule_stops_a_real_plan_before_any_build_step_runs()
    {
        // The plan runs build steps (they compute values) after reading the file; a bad schedule must stop it all the
        // same, and a real deploy builds and pushes only after a plan without errors.
        var dir = TestSupport.TempDirectory();
        File.WriteAllText(Path.Combine(dir, "prefect.yaml"), """
            deployments:
            - name: a
              entrypoint: HelloFlows.cs:hello
              schedule: {cron: "0 0 32 * *"}
            """);
        var e = await Assert.ThrowsAsync<DeployException>(() => new DeploymentPlanner().PlanAsync(Request(dir) with { DryRun = false }));
        Assert.Contains(e.Diagnostics, d => d.Code == DiagnosticCodes.ScheduleInvalid && d.Line == 4);
    }

    [Theory]
    [InlineData("--cron", "0 9 * * * * *")]
    [InlineData("--timezone", "Nowhere/Land")]
    public void Command_line_schedules_follow_the_same_rules(string flag, string value)
    {
        var request = new DeployRequest { All = true, Cron = flag == "--cron" ? value : "0 9 * * *", Timezone = flag == "--timezone" ? value : null };
        var d = Assert.Single(request.Validate());
        Assert.Equal(DiagnosticCodes.OverrideInvalid, d.Code);
        Assert.StartsWith(flag, d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_build_leaves_a_schedule_from_an_unset_variable_to_the_deploy()
    {
        var dir = TestSupport.TempDirectory();
        File.WriteAllText(Path.Combine(dir, "prefect.yaml"), """
            deployments:
            - name: a
              entrypoint: HelloFlows.cs:hello
              schedules: [{cron: "{{ $NIGHTLY_CRON }}"}, {cron: "99 * * * *"}]
            """);
        var result = await new DeploymentValidator().ValidateAsync(new ValidationRequest { ProjectFile = dir, ManifestAssembly = TestSupport.ManifestFile(), Environment = _ => null });

        var d = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Equal((DiagnosticCodes.ScheduleInvalid, 4), (d.Code, d.Line));
        Assert.Contains("'99 * * * *'", d.Message, StringComparison.Ordinal);
    }
}
