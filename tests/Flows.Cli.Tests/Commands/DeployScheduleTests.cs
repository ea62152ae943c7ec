using static Flows.Cli.Tests.CliTestHelper;

namespace Flows.Cli.Tests.Commands;

/// <summary><c>deploy --dry-run</c> refuses a schedule the server would refuse, at the file's line and column.</summary>
public class DeployScheduleTests
{
    [Fact]
    public async Task A_bad_cron_fails_the_dry_run_at_its_line_and_column()
    {
        var file = WriteTemp("prefect.yaml", "deployments:\n- name: d\n  entrypoint: HelloFlows.cs:hello\n  schedules:\n  - cron: \"0 25 * * *\"\n");
        var (exit, _, error) = await RunAsync("deploy", "--all", "--dry-run", "--project", Path.GetDirectoryName(file)!, "--manifest-assembly", Manifest);
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Matches(@"prefect\.yaml\(5,11\): error FLOWS1605: cron '0 25 \* \* \*' is not valid: .*\. Write five fields", error);
    }

    [Fact]
    public async Task An_rrule_plans_into_the_body()
    {
        var file = WriteTemp("prefect.yaml", "deployments:\n- name: d\n  entrypoint: HelloFlows.cs:hello\n  schedules:\n  - rrule: \"FREQ=DAILY;BYHOUR=9\"\n    timezone: Europe/Paris\n");
        var (exit, output, error) = await RunAsync("deploy", "--all", "--dry-run", "-o", "json", "--project", Path.GetDirectoryName(file)!, "--manifest-assembly", Manifest);
        Assert.True(exit == ExitCodes.Ok, error);
        var schedules = System.Text.Json.Nodes.JsonNode.Parse(output)!["deployments"]![0]!["body"]!["schedules"]!.ToJsonString();
        Assert.Equal("""[{"active":true,"schedule":{"rrule":"FREQ=DAILY;BYHOUR=9","timezone":"Europe/Paris"}}]""", schedules);
    }
}
