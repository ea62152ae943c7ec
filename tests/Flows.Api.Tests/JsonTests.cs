using Flows.Api.Json;
using Flows.Api.Models;

namespace Flows.Api.Tests;

public class JsonTests
{
    [Fact]
    public void Writes_snake_case_upper_enums_and_utc_microsecond_timestamps()
    {
        var state = new StateCreate
        {
            Type = StateType.Scheduled,
            StateDetails = new StateDetails { ScheduledTime = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)) },
        };
        var json = System.Text.Encoding.UTF8.GetString(PrefectJson.SerializeToUtf8Bytes(state));
        Assert.Equal("""{"type":"SCHEDULED","state_details":{"scheduled_time":"2026-01-02T01:04:05.000000Z"}}""", json);
    }

    [Fact]
    public void Schedules_serialize_as_exactly_one_shape()
    {
        var json = System.Text.Encoding.UTF8.GetString(PrefectJson.SerializeToUtf8Bytes(Schedule.FromCron("0 * * * *")));
        Assert.Equal("""{"cron":"0 * * * *"}""", json);
    }

    [Fact]
    public void Filter_names_end_in_underscore()
    {
        var json = System.Text.Encoding.UTF8.GetString(PrefectJson.SerializeToUtf8Bytes(
            new FlowRunFilter { State = new FlowRunStateFilter { Type = new StateTypeFilter { Any = [StateType.Scheduled] } } }));
        Assert.Equal("""{"state":{"type":{"any_":["SCHEDULED"]}}}""", json);
    }
}
