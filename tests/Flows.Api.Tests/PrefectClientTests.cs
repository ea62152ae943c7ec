using System.Net;
using Flows.Api.Client;
using Flows.Api.Models;

namespace Flows.Api.Tests;

public class PrefectClientTests
{
    private static readonly string FlowJson =
        """{"id":"0b8a4c2e-9a57-4c55-9d3c-2f1d3a1b9e01","created":"2026-01-01T00:00:00.000000Z","updated":"2026-01-01T00:00:00.000000Z","name":"hello","tags":[]}""";

    private static PrefectClient Client(StubHandler handler, string? key = "pnu_secret") => new(new PrefectClientOptions
    {
        ApiUrl = PrefectApiUrl.Parse("http://127.0.0.1:4200/api"),
        ApiKey = key,
        InitialRetryDelay = TimeSpan.FromMilliseconds(1),
        MaxRetryDelay = TimeSpan.FromMilliseconds(5),
    }, handler);

    [Fact]
    public async Task Sends_snake_case_json_with_a_bearer_key_to_the_resource_path()
    {
        var handler = new StubHandler().Answer(HttpStatusCode.Created, FlowJson);
        using var client = Client(handler);
        var flow = await client.Flows.CreateFlowAsync(new FlowCreate { Name = "hello", Tags = ["a"] });
        Assert.Equal("hello", flow.Name);
        var (request, body) = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("http://127.0.0.1:4200/api/flows/", request.RequestUri!.ToString());
        Assert.Equal("Bearer pnu_secret", request.Headers.Authorization!.ToString());
        Assert.Equal("""{"name":"hello","tags":["a"]}""", body);
    }

    [Fact]
    public async Task Retries_idempotent_calls_on_429_5xx_and_network_errors()
    {
        var handler = new StubHandler()
            .Answer(HttpStatusCode.TooManyRequests, configure: r => r.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.Zero))
            .Answer(HttpStatusCode.ServiceUnavailable)
            .Fail()
            .Answer(HttpStatusCode.OK, FlowJson);
        using var client = Client(handler);
        var flow = await client.Flows.ReadFlowByNameAsync("hello");
        Assert.Equal("hello", flow.Name);
        Assert.Equal(4, handler.Requests.Count);
    }

    [Fact]
    public async Task A_state_proposal_carries_a_transition_id_is_retried_with_it_and_a_reject_naming_it_reads_as_accept()
    {
        var runId = Guid.NewGuid();
        var handler = new StubHandler().Answer(HttpStatusCode.ServiceUnavailable, """{"detail":"busy"}""");
        using var client = Client(handler);
        handler.Answer(HttpStatusCode.OK, request =>
        {
            // The repeat of a transition that landed: Prefect's PreventDuplicateTransitions answers REJECT with the current state.
            using var sent = System.Text.Json.JsonDocument.Parse(request);
            var transitionId = sent.RootElement.GetProperty("state").GetProperty("state_details").GetProperty("transition_id").GetString();
            return $$$$"""{"status":"REJECT","details":{"type":"reject_details","reason":"This run has already made this state transition."},"state":{"id":"{{{{Guid.NewGuid()}}}}","type":"PENDING","name":"Pending","state_details":{"transition_id":"{{{{transitionId}}}}"}}}""";
        });

        var result = await client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Pending });

        Assert.Equal(SetStateStatus.Accept, result.Status);
        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal(handler.Requests[0].Body, handler.Requests[1].Body);
        Assert.Contains("\"transition_id\":\"", handler.Requests[0].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reject_with_another_transition_id_stays_a_reject()
    {
        var handler = new StubHandler().Answer(HttpStatusCode.OK,
            $$$$"""{"status":"REJECT","details":{"type":"reject_details"},"state":{"id":"{{{{Guid.NewGuid()}}}}","type":"SCHEDULED","name":"AwaitingRetry","state_details":{"transition_id":"{{{{Guid.NewGuid()}}}}"}}}""");
        using var client = Client(handler);

        var result = await client.FlowRuns.SetFlowRunStateAsync(Guid.NewGuid(), new StateCreate { Type = StateType.Failed });

        Assert.Equal(SetStateStatus.Reject, result.Status);
    }

    [Fact]
    public async Task With_an_outage_budget_retries_go_on_past_max_retries_until_the_budget_is_spent()
    {
        var handler = new StubHandler();
        for (var i = 0; i < 400; i++)
        {
            handler.Answer(HttpStatusCode.ServiceUnavailable, """{"detail":"down"}""");
        }

        using var client = new PrefectClient(new PrefectClientOptions
        {
            ApiUrl = PrefectApiUrl.Parse("http://127.0.0.1:4200/api"),
            InitialRetryDelay = TimeSpan.FromMilliseconds(1),
            MaxRetryDelay = TimeSpan.FromMilliseconds(2),
            MaxRetries = 2,
        }.ForLongRunningProcess(_ => "0.3"), handler);
        var ex = await Assert.ThrowsAsync<PrefectApiException>(() => client.Admin.ReadHealthAsync());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ex.StatusCode);
        Assert.True(handler.Requests.Count > 3, $"{handler.Requests.Count} attempts: the budget, not MaxRetries, ends the retries");
        Assert.True(handler.Requests.Count < 400, "the budget ends the retries");
    }

    [Theory]
    [InlineData(null, 300.0)]
    [InlineData("", 300.0)]
    [InlineData("nonsense", 300.0)]
    [InlineData("42", 42.0)]
    [InlineData("0.5", 0.5)]
    [InlineData("-3", 300.0)]
    [InlineData("NaN", 300.0)]
    [InlineData("Infinity", 300.0)] // TimeSpan.FromSeconds would throw: a bad setting must not crash the runner
    [InlineData("1e300", 300.0)]
    public void The_outage_budget_of_a_long_running_process_comes_from_its_variable_or_is_five_minutes(string? value, double seconds)
    {
        var options = new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse("http://127.0.0.1:4200/api") }.ForLongRunningProcess(
            name => name == PrefectClientOptions.OutageBudgetVariable ? value : null);
        Assert.Equal(TimeSpan.FromSeconds(seconds), options.OutageBudget);
    }

    [Fact]
    public async Task Gives_up_after_max_retries_with_the_last_detail()
    {
        var handler = new StubHandler();
        for (var i = 0; i < 5; i++)
        {
            handler.Answer(HttpStatusCode.InternalServerError, """{"detail":"boom"}""");
        }

        using var client = Client(handler);
        var ex = await Assert.ThrowsAsync<PrefectApiException>(() => client.Admin.ReadHealthAsync());
        Assert.Equal(5, handler.Requests.Count);
        Assert.Contains("boom", ex.Message);
    }

    [Fact]
    public async Task Error_carries_the_server_detail_and_never_the_key()
    {
        var handler = new StubHandler().Answer(HttpStatusCode.UnprocessableEntity,
            """{"detail":[{"loc":["body","name"],"msg":"Field required","type":"missing"}]}""");
        using var client = Client(handler);
        var ex = await Assert.ThrowsAsync<PrefectApiException>(() => client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = "x" }));
        Assert.Equal("body.name: Field required", ex.Detail);
        Assert.DoesNotContain("pnu_secret", ex.ToString());
    }

    [Fact]
    public async Task Missing_variable_reads_as_null()
    {
        var handler = new StubHandler().Answer(HttpStatusCode.NotFound, """{"detail":"Variable not found."}""");
        using var client = Client(handler, key: null);
        Assert.Null(await client.Variables.ReadVariableByNameAsync("nope"));
        Assert.Null(handler.Requests[0].Request.Headers.Authorization);
    }

    [Fact]
    public async Task Names_in_paths_are_escaped()
    {
        var handler = new StubHandler().Answer(HttpStatusCode.OK, """{"id":"0b8a4c2e-9a57-4c55-9d3c-2f1d3a1b9e01","created":null,"updated":null,"name":"d","flow_id":"0b8a4c2e-9a57-4c55-9d3c-2f1d3a1b9e02"}""");
        using var client = Client(handler);
        await client.Deployments.ReadDeploymentByNameAsync("my flow", "a b");
        Assert.Equal("/api/deployments/name/my%20flow/a%20b", handler.Requests[0].Request.RequestUri!.AbsolutePath);
    }
}
