using System.Net;
using System.Text;
using Flows.Api.Client;
using Flows.Api.Models;

namespace Flows.Server.Tests.Scheduling;

/// <summary>rrule schedules make runs as cron and interval do; a schedule the server cannot use is a 422 on every path that
/// writes one (active or not, paused or not), never a 500 and never stored.</summary>
public abstract class ScheduleEndpointTests(ServerFixture fixture)
{
    private PrefectClient Client => fixture.Client;

    private async Task<Flow> FlowAsync() => await Client.Flows.CreateFlowAsync(new FlowCreate { Name = $"sched-{Guid.NewGuid():N}"[..14] });

    [Fact]
    public async Task An_rrule_schedule_creates_future_runs_at_its_times()
    {
        var flow = await FlowAsync();
        var deployment = await Client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "weekdays", FlowId = flow.Id,
            Schedules = [new DeploymentScheduleCreate { Schedule = new Schedule { Rrule = "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=9;BYMINUTE=0;BYSECOND=0", Timezone = "America/New_York" } }],
        });

        var runs = await Client.FlowRuns.ReadFlowRunsAsync(new FlowRunFilterRequest { FlowRuns = new FlowRunFilter { DeploymentId = new DeploymentIdFilter { Any = [deployment.Id] } }, Sort = "EXPECTED_START_TIME_ASC" });
        Assert.True(runs.Count >= Flows.Server.Scheduling.Scheduler.MinRuns, $"{runs.Count} runs");
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        Assert.All(runs, r =>
        {
            var local = TimeZoneInfo.ConvertTime(r.ExpectedStartTime!.Value, newYork);
            Assert.Equal((9, 0), (local.Hour, local.Minute));
            Assert.Contains(local.DayOfWeek, new[] { DayOfWeek.Monday, DayOfWeek.Wednesday, DayOfWeek.Friday });
            Assert.True(r.AutoScheduled && r.StateType == StateType.Scheduled);
        });
        Assert.Equal(runs.Count, runs.Select(r => r.ExpectedStartTime).Distinct().Count());
    }

    [Theory]
    [InlineData("""{"cron": "61 * * * *"}""", "cron")]
    [InlineData("""{"cron": "H 0 * * *"}""", "cron")]
    [InlineData("""{"rrule": "FREQ=SOMETIMES"}""", "rrule")]
    [InlineData("""{"cron": "0 0 * * *", "timezone": "../../../etc/passwd"}""", "timezone")]
    [InlineData("""{"interval": 1e300}""", "interval")]
    public async Task An_unusable_schedule_is_422_even_inactive_or_on_a_paused_deployment(string schedule, string field)
    {
        var flow = await FlowAsync();
        foreach (var (name, extra) in new[] { ("active", ""), ("paused", """, "paused": true"""), ("inactive", "") })
        {
            var active = name == "inactive" ? "false" : "true";
            var body = $$"""{"name": "{{name}}", "flow_id": "{{flow.Id}}", "schedules": [{"schedule": {{schedule}}, "active": {{active}}}]{{extra}}}""";
            using var response = await fixture.Http.PostAsync("deployments/", new StringContent(body, Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{name}: expected 422, got {(int)response.StatusCode}: {text}");
            Assert.Contains($"({field})", text, StringComparison.Ordinal);
        }

        var ok = await Client.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = "kept", FlowId = flow.Id });
        using var added = await fixture.Http.PostAsync($"deployments/{ok.Id}/schedules", new StringContent($$"""[{"schedule": {{schedule}}}]""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, added.StatusCode);
        Assert.Empty((await Client.Deployments.ReadDeploymentAsync(ok.Id)).Schedules);
    }
}

public sealed class SqliteScheduleEndpointTests(SqliteServerFixture fixture) : ScheduleEndpointTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresScheduleEndpointTests(PostgresServerFixture fixture) : ScheduleEndpointTests(fixture), IClassFixture<PostgresServerFixture>;
