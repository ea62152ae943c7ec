using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Flows.Server.Tests;

/// <summary>Inputs with no natural bound are bounded: each too-large or malformed one is a 422 (or 413) naming the field, never a 500.</summary>
public abstract class InputLimitTests(ServerFixture fixture)
{
    private readonly HttpClient _http = fixture.Http;

    [Theory]
    [InlineData(1001)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public async Task Get_scheduled_flow_runs_limit_is_capped(int limit)
    {
        var pool = await PoolAsync("process");
        var (status, body) = await SendAsync(HttpMethod.Post, $"work_pools/{pool}/get_scheduled_flow_runs", new JsonObject { ["limit"] = limit });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("limit", body!["detail"]![0]!["loc"]![1]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, $"work_pools/{pool}/get_scheduled_flow_runs", new JsonObject { ["limit"] = 1000 })).Status);
    }

    public static TheoryData<string, string> BadTemplates => new()
    {
        { "\"text\"", "base_job_template" },
        { """{"job_configuration": {"command": "x"}}""", "base_job_template" },
        { """{"job_configuration": [], "variables": {"type": "object"}}""", "job_configuration" },
        { """{"job_configuration": {"command": "x"}, "variables": []}""", "variables" },
        { """{"job_configuration": {"command": "x"}, "variables": {"type": "string"}}""", "type" },
        { """{"job_configuration": {"command": "x"}, "variables": {"type": "object", "properties": "x"}}""", "properties" },
        { """{"job_configuration": {"command": "x"}, "variables": {"type": "object", "properties": {"a": 5}}}""", "a" },
        { """{"job_configuration": {"command": "x"}, "variables": {"type": "object", "required": "a"}}""", "required" },
        { """{"job_configuration": {"command": "x"}, "variables": {"type": "object", "properties": {"a": {"type": 12}}}}""", "variables" },
        { """{"job_configuration": {"command": "{{ nope }}"}, "variables": {"type": "object", "properties": {}}}""", "job_configuration" },
    };

    [Theory]
    [MemberData(nameof(BadTemplates))]
    public async Task A_bad_base_job_template_is_422_on_create_and_on_update_and_pools_stay_listable(string template, string field)
    {
        var name = "tpl-" + Guid.NewGuid().ToString("N")[..10];
        var (created, createBody) = await SendRawAsync(HttpMethod.Post, "work_pools/", $$"""{"name": "{{name}}", "type": "process", "base_job_template": {{template}}}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, created);
        Assert.Contains(field, createBody!["detail"]![0]!["loc"]!.AsArray().Select(n => n!.ToString()));

        var pool = await PoolAsync("process");
        var (patched, patchBody) = await SendRawAsync(HttpMethod.Patch, $"work_pools/{pool}", $$"""{"base_job_template": {{template}}}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, patched);
        Assert.Contains(field, patchBody!["detail"]![0]!["loc"]!.AsArray().Select(n => n!.ToString()));

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, "work_pools/filter", new JsonObject())).Status);
        var (_, stored) = await SendAsync(HttpMethod.Get, $"work_pools/{pool}", null);
        Assert.NotNull(stored!["base_job_template"]!["job_configuration"]);
    }

    [Fact]
    public async Task Names_and_state_messages_have_length_limits()
    {
        var (flow, body) = await SendAsync(HttpMethod.Post, "flows/", new JsonObject { ["name"] = new string('f', 501) });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, flow);
        Assert.Equal("name", body!["detail"]![0]!["loc"]![1]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(HttpMethod.Post, "work_pools/", new JsonObject { ["name"] = new string('p', 501) })).Status);

        var (_, okFlow) = await SendAsync(HttpMethod.Post, "flows/", new JsonObject { ["name"] = "limits-" + Guid.NewGuid().ToString("N")[..8] });
        var flowId = okFlow!["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(HttpMethod.Post, "flow_runs/", new JsonObject { ["flow_id"] = flowId, ["name"] = new string('r', 501) })).Status);
        var (_, run) = await SendAsync(HttpMethod.Post, "flow_runs/", new JsonObject { ["flow_id"] = flowId });
        var (state, stateBody) = await SendAsync(HttpMethod.Post, $"flow_runs/{run!["id"]}/set_state",
            new JsonObject { ["state"] = new JsonObject { ["type"] = "RUNNING", ["message"] = new string('m', 64 * 1024 + 1) } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, state);
        Assert.Equal("message", stateBody!["detail"]![0]!["loc"]![2]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(HttpMethod.Post, "logs/", new JsonArray
        {
            new JsonObject { ["name"] = "x", ["level"] = 20, ["message"] = new string('l', 1_000_001), ["timestamp"] = DateTimeOffset.UtcNow.ToString("O") },
        })).Status);
    }

    [Fact]
    public async Task Variables_have_prefects_name_and_value_limits()
    {
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(HttpMethod.Post, "variables/", new JsonObject { ["name"] = new string('v', 256), ["value"] = 1 })).Status);
        var (tooLong, body) = await SendAsync(HttpMethod.Post, "variables/", new JsonObject { ["name"] = "v" + Guid.NewGuid().ToString("N")[..8], ["value"] = new string('x', 5_000) });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooLong);
        Assert.Equal("value", body!["detail"]![0]!["loc"]![1]!.GetValue<string>());

        var name = "v" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "variables/", new JsonObject { ["name"] = name, ["value"] = "small" })).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(HttpMethod.Patch, $"variables/name/{name}", new JsonObject { ["value"] = new string('x', 5_000) })).Status);
    }

    [Fact]
    public async Task A_deployment_holds_at_most_100_schedules()
    {
        var (_, flow) = await SendAsync(HttpMethod.Post, "flows/", new JsonObject { ["name"] = "sched-" + Guid.NewGuid().ToString("N")[..8] });
        JsonArray Schedules(int count) => new([.. Enumerable.Range(0, count).Select(i => (JsonNode)new JsonObject { ["schedule"] = new JsonObject { ["interval"] = 3600 + i }, ["active"] = false })]);

        var (tooMany, body) = await SendAsync(HttpMethod.Post, "deployments/", new JsonObject { ["name"] = "d", ["flow_id"] = flow!["id"]!.GetValue<string>(), ["schedules"] = Schedules(101) });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooMany);
        Assert.Equal("schedules", body!["detail"]![0]!["loc"]![1]!.GetValue<string>());

        var (created, deployment) = await SendAsync(HttpMethod.Post, "deployments/", new JsonObject { ["name"] = "d", ["flow_id"] = flow["id"]!.GetValue<string>(), ["schedules"] = Schedules(100) });
        Assert.True(created is HttpStatusCode.Created or HttpStatusCode.OK, deployment?.ToJsonString());
        var id = deployment!["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(HttpMethod.Post, $"deployments/{id}/schedules", Schedules(1))).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(HttpMethod.Patch, $"deployments/{id}", new JsonObject { ["schedules"] = Schedules(101) })).Status);
    }

    private async Task<string> PoolAsync(string type)
    {
        var name = "pool-" + Guid.NewGuid().ToString("N")[..10];
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "work_pools/", new JsonObject { ["name"] = name, ["type"] = type })).Status);
        return name;
    }

    private Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, JsonNode? body)
        => SendRawAsync(method, path, body?.ToJsonString());

    private async Task<(HttpStatusCode Status, JsonNode? Body)> SendRawAsync(HttpMethod method, string path, string? body)
    {
        // A raw client: the spec-validating handler would refuse these bodies before the server sees them.
        using var raw = new HttpClient { BaseAddress = _http.BaseAddress };
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await raw.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }
}

public sealed class SqliteInputLimitTests(SqliteServerFixture fixture) : InputLimitTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresInputLimitTests(PostgresServerFixture fixture) : InputLimitTests(fixture), IClassFixture<PostgresServerFixture>;
