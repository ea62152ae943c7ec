using System.Net;
using System.Text;
using System.Text.Json;
using Flows.Api.Client;
using Flows.Api.Json;
using Flows.Api.Models;

namespace Flows.Server.Tests;

/// <summary>
/// The server's contract, run once per store (see the two sealed subclasses at the bottom). Every body
/// goes through <see cref="OpenApiValidatingHandler"/>.
/// </summary>
public abstract class ServerContractTests(ServerFixture fixture)
{
    private PrefectClient Client => fixture.Client;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private async Task<(Flow Flow, WorkPool Pool, DeploymentResponse Deployment)> DeployAsync(
        JsonElement? parameterSchema = null, IDictionary<string, JsonElement>? parameters = null)
    {
        var flow = await Client.Flows.CreateFlowAsync(new FlowCreate { Name = Unique("hello") });
        var pool = await Client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = Unique("pool"), Type = "kubernetes" });
        var deployment = await Client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "default", FlowId = flow.Id, WorkPoolName = pool.Name, Tags = ["dep"], EnforceParameterSchema = parameterSchema is not null,
            ParameterOpenapiSchema = parameterSchema, Parameters = parameters ?? new Dictionary<string, JsonElement> { ["who"] = PrefectJson.ToElement("world") },
            JobVariables = new Dictionary<string, JsonElement> { ["image"] = PrefectJson.ToElement("localhost:5000/hello:abc") },
            Entrypoint = "HelloFlows.cs:hello",
        });
        return (flow, pool, deployment);
    }

    [Fact]
    public async Task Health_and_version_answer()
    {
        Assert.True(await Client.Admin.ReadHealthAsync());
        Assert.False(string.IsNullOrEmpty(await Client.Admin.ReadVersionAsync()));
    }

    [Fact]
    public async Task Flows_are_upserted_by_name()
    {
        var name = Unique("flow");
        using var first = await fixture.Http.PostAsync("flows/", Json(new { name, tags = new[] { "a" } }));
        using var second = await fixture.Http.PostAsync("flows/", Json(new { name }));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var a = await Client.Flows.ReadFlowByNameAsync(name);
        var b = await Client.Flows.ReadFlowAsync(a.Id);
        Assert.Equal((a.Id, a.Name, a.Created), (b.Id, b.Name, b.Created));
        Assert.Equal(["a"], b.Tags);
        var filtered = await Client.Flows.ReadFlowsAsync(new FlowFilterRequest { Flows = new FlowFilter { Name = new NameFilter { Any = [name] } } });
        Assert.Equal(a.Id, Assert.Single(filtered).Id);
    }

    [Fact]
    public async Task Work_pools_get_the_default_base_job_template_of_their_type()
    {
        var k8s = await Client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = Unique("k8s"), Type = "kubernetes" });
        var reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "k8s-base-job-template.json"))).RootElement;
        // Prefect's template plus the pod hardening our default adds (securityContext of the pod and of the container).
        var ours = System.Text.Json.Nodes.JsonNode.Parse(k8s.BaseJobTemplate!.Value.GetRawText())!;
        var pod = ours["job_configuration"]!["job_manifest"]!["spec"]!["template"]!["spec"]!.AsObject();
        Assert.True(pod.Remove("securityContext"));
        Assert.True(pod["containers"]![0]!.AsObject().Remove("securityContext"));
        Assert.True(JsonElement.DeepEquals(reference, JsonSerializer.SerializeToElement(ours)));
        foreach (var type in new[] { "process", "docker" })
        {
            var pool = await Client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = Unique(type), Type = type });
            Assert.True(pool.BaseJobTemplate!.Value.GetProperty("variables").GetProperty("properties").TryGetProperty("command", out _));
            Assert.NotNull(pool.DefaultQueueId);
        }

        var read = await Client.WorkPools.ReadWorkPoolAsync(k8s.Name);
        Assert.Equal(k8s.Id, read.Id);
        var duplicate = await Assert.ThrowsAsync<PrefectApiException>(() => Client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = k8s.Name }));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        var listed = await Client.WorkPools.ReadWorkPoolsAsync(new WorkPoolFilterRequest { WorkPools = new WorkPoolFilter { Name = new AnyStringFilter { Any = [k8s.Name] } } });
        Assert.Single(listed);
    }

    [Fact]
    public async Task Deployments_are_upserted_by_flow_and_name_and_found_by_name()
    {
        var (flow, pool, deployment) = await DeployAsync();
        var again = await Client.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = "default", FlowId = flow.Id, WorkPoolName = pool.Name, Version = "2" });
        Assert.Equal(deployment.Id, again.Id);
        Assert.Equal("2", again.Version);
        Assert.Empty(again.Tags);
        var byName = await Client.Deployments.ReadDeploymentByNameAsync(flow.Name, "default");
        Assert.Equal(deployment.Id, byName.Id);
        Assert.Equal("default", byName.WorkQueueName);
        var filtered = await Client.Deployments.ReadDeploymentsAsync(new DeploymentFilterRequest { Flows = new FlowFilter { Name = new NameFilter { Any = [flow.Name] } } });
        Assert.Equal(deployment.Id, Assert.Single(filtered).Id);
        Assert.Equal(deployment.Id, (await Client.Deployments.ReadDeploymentAsync(deployment.Id)).Id);
    }

    [Fact]
    public async Task Whole_cycle_deploy_run_claim_states_and_logs()
    {
        var (_, pool, deployment) = await DeployAsync();
        var run = await Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id, new DeploymentFlowRunCreate
        {
            Parameters = new Dictionary<string, JsonElement> { ["who"] = PrefectJson.ToElement("arthur") },
            Tags = ["run"],
            JobVariables = new Dictionary<string, JsonElement> { ["namespace"] = PrefectJson.ToElement("flows") },
        });
        Assert.Equal(StateType.Scheduled, run.StateType);
        Assert.Equal("arthur", run.Parameters["who"].GetString());
        Assert.Equal(["dep", "run"], run.Tags.Order());
        Assert.Equal("flows", run.JobVariables!["namespace"].GetString());
        Assert.Equal("localhost:5000/hello:abc", run.JobVariables["image"].GetString());

        var due = await Client.WorkPools.GetScheduledFlowRunsAsync(pool.Name, new GetScheduledFlowRunsRequest { ScheduledBefore = DateTimeOffset.UtcNow.AddSeconds(1) });
        Assert.Equal(run.Id, Assert.Single(due).FlowRun.Id);

        var pending = await Client.FlowRuns.SetFlowRunStateAsync(run.Id, new StateCreate { Type = StateType.Pending });
        Assert.Equal(SetStateStatus.Accept, pending.Status);
        Assert.Empty(await Client.WorkPools.GetScheduledFlowRunsAsync(pool.Name, new GetScheduledFlowRunsRequest { ScheduledBefore = DateTimeOffset.UtcNow.AddSeconds(1) }));
        Assert.Equal(SetStateStatus.Accept, (await Client.FlowRuns.SetFlowRunStateAsync(run.Id, new StateCreate { Type = StateType.Running })).Status);

        var t0 = DateTimeOffset.UtcNow;
        await Client.Logs.CreateLogsAsync(Enumerable.Range(0, 5).Select(i => new LogCreate
        {
            Name = "prefect.flow_runs", Level = i == 4 ? LogLevels.Error : LogLevels.Info, Message = $"line {i}", Timestamp = t0.AddMilliseconds(i), FlowRunId = run.Id,
        }));
        var completed = await Client.FlowRuns.SetFlowRunStateAsync(run.Id, new StateCreate { Type = StateType.Completed, Message = "done" });
        Assert.Equal(SetStateStatus.Accept, completed.Status);

        var final = await Client.FlowRuns.ReadFlowRunAsync(run.Id);
        Assert.Equal(StateType.Completed, final.StateType);
        Assert.Equal(1, final.RunCount);
        Assert.NotNull(final.StartTime);
        Assert.NotNull(final.EndTime);

        var logs = await Client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [run.Id] } } });
        Assert.Equal(["line 0", "line 1", "line 2", "line 3", "line 4"], logs.Select(l => l.Message));
        var page = await Client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [run.Id] } }, Offset = 1, Limit = 2 });
        Assert.Equal(["line 1", "line 2"], page.Select(l => l.Message));
        var errors = await Client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [run.Id] }, Level = new LevelFilter { Ge = LogLevels.Error } }, Sort = "TIMESTAMP_DESC" });
        Assert.Equal("line 4", Assert.Single(errors).Message);

        var runs = await Client.FlowRuns.ReadFlowRunsAsync(new FlowRunFilterRequest
        {
            FlowRuns = new FlowRunFilter { DeploymentId = new DeploymentIdFilter { Any = [deployment.Id] }, State = new FlowRunStateFilter { Type = new StateTypeFilter { Any = [StateType.Completed] } } },
        });
        Assert.Equal(run.Id, Assert.Single(runs).Id);

        var history = await Client.FlowRuns.ReadFlowRunStatesAsync(run.Id);
        Assert.Equal([StateType.Scheduled, StateType.Pending, StateType.Running, StateType.Completed], history.OrderBy(h => h.Timestamp).Select(h => h.Type));
        Assert.Equal("done", history.Single(h => h.Type == StateType.Completed).Message);
    }

    [Fact]
    public async Task Exactly_one_of_many_concurrent_claimers_wins_each_run()
    {
        var (_, pool, deployment) = await DeployAsync();
        var runs = new List<FlowRun>();
        for (var i = 0; i < 12; i++)
        {
            runs.Add(await Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id));
        }

        // Every claimer polls first, so all six hold all twelve runs; then they all propose Pending at once.
        var polls = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            Client.WorkPools.GetScheduledFlowRunsAsync(pool.Name, new GetScheduledFlowRunsRequest { ScheduledBefore = DateTimeOffset.UtcNow.AddSeconds(1) })));
        Assert.All(polls, p => Assert.Equal(12, p.Count));
        var results = await Task.WhenAll(polls.Select(async due =>
        {
            var mine = new List<(Guid, SetStateStatus)>();
            foreach (var item in due)
            {
                mine.Add((item.FlowRun.Id, (await Client.FlowRuns.SetFlowRunStateAsync(item.FlowRun.Id, new StateCreate { Type = StateType.Pending })).Status));
            }

            return mine;
        }));
        var all = results.SelectMany(r => r).ToList();
        var accepted = all.Where(r => r.Item2 == SetStateStatus.Accept).Select(r => r.Item1).ToList();
        var aborted = all.Count(r => r.Item2 == SetStateStatus.Abort);
        Assert.Equal(runs.Select(r => r.Id).Order(), accepted.Order());
        Assert.Equal(12 * 5, aborted);
    }

    [Fact]
    public async Task Orchestration_rules_terminal_wait_and_retries()
    {
        var (_, _, deployment) = await DeployAsync();
        var future = await Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id, new DeploymentFlowRunCreate
        {
            State = new StateCreate { Type = StateType.Scheduled, StateDetails = new StateDetails { ScheduledTime = DateTimeOffset.UtcNow.AddHours(1) } },
        });
        var wait = await Client.FlowRuns.SetFlowRunStateAsync(future.Id, new StateCreate { Type = StateType.Running });
        Assert.Equal(SetStateStatus.Wait, wait.Status);
        Assert.True(wait.Details.DelaySeconds > 3000);

        var retrying = await Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id, new DeploymentFlowRunCreate { EmpiricalPolicy = new FlowRunPolicy { Retries = 1, RetryDelay = 0 } });
        await Client.FlowRuns.SetFlowRunStateAsync(retrying.Id, new StateCreate { Type = StateType.Running });
        var failed = await Client.FlowRuns.SetFlowRunStateAsync(retrying.Id, new StateCreate { Type = StateType.Failed });
        Assert.Equal(SetStateStatus.Reject, failed.Status);
        Assert.Equal("AwaitingRetry", failed.State!.Name);
        Assert.Equal(StateType.Scheduled, failed.State.Type);
        await Client.FlowRuns.SetFlowRunStateAsync(retrying.Id, new StateCreate { Type = StateType.Running });
        var finalFail = await Client.FlowRuns.SetFlowRunStateAsync(retrying.Id, new StateCreate { Type = StateType.Failed });
        Assert.Equal(SetStateStatus.Accept, finalFail.Status);

        var terminal = await Client.FlowRuns.SetFlowRunStateAsync(retrying.Id, new StateCreate { Type = StateType.Running });
        Assert.Equal(SetStateStatus.Abort, terminal.Status);
        Assert.Contains("terminal", terminal.Details.Reason);
        var forced = await Client.FlowRuns.SetFlowRunStateAsync(retrying.Id, new StateCreate { Type = StateType.Scheduled }, force: true);
        Assert.Equal(SetStateStatus.Accept, forced.Status);
    }

    [Fact]
    public async Task Enforced_parameter_schema_rejects_bad_parameters_naming_the_field()
    {
        var schema = JsonDocument.Parse("""
            {"title":"Parameters","type":"object","properties":{"who":{"title":"who","position":0,"type":"string"},"n":{"title":"n","position":1,"type":"integer"}},"required":["who"]}
            """).RootElement;
        var (_, _, deployment) = await DeployAsync(schema, new Dictionary<string, JsonElement>());
        var wrongType = await Assert.ThrowsAsync<PrefectApiException>(() => Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id, new DeploymentFlowRunCreate
        {
            Parameters = new Dictionary<string, JsonElement> { ["who"] = PrefectJson.ToElement("x"), ["n"] = PrefectJson.ToElement("three") },
        }));
        Assert.Equal(HttpStatusCode.Conflict, wrongType.StatusCode);
        Assert.Contains("'n'", wrongType.Detail);
        var missing = await Assert.ThrowsAsync<PrefectApiException>(() => Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id));
        Assert.Contains("who", missing.Detail);
        var ok = await Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id, new DeploymentFlowRunCreate
        {
            Parameters = new Dictionary<string, JsonElement> { ["who"] = PrefectJson.ToElement("x") },
        });
        Assert.Equal("x", ok.Parameters["who"].GetString());
    }

    [Fact]
    public async Task Idempotency_key_returns_the_same_run()
    {
        var (_, _, deployment) = await DeployAsync();
        var a = await Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id, new DeploymentFlowRunCreate { IdempotencyKey = "k1" });
        var b = await Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id, new DeploymentFlowRunCreate { IdempotencyKey = "k1" });
        Assert.Equal(a.Id, b.Id);
    }

    [Fact]
    public async Task Variables_are_read_by_name()
    {
        var name = Unique("var").Replace('-', '_');
        await Client.Variables.CreateVariableAsync(new VariableCreate { Name = name, Value = PrefectJson.ToElement(new { region = "eu" }) });
        var variable = await Client.Variables.ReadVariableByNameAsync(name);
        Assert.Equal("eu", variable!.Value.GetProperty("region").GetString());
        Assert.Null(await Client.Variables.ReadVariableByNameAsync("no_such_variable"));
    }

    [Theory]
    [InlineData("POST", "flows/", "{not json")]
    [InlineData("POST", "flows/", "{}")]
    [InlineData("POST", "flows/", """{"name":"a/b"}""")]
    [InlineData("POST", "flows/", """{"name":"x","tags":"notalist"}""")]
    [InlineData("GET", "flows/not-a-uuid", null)]
    [InlineData("GET", "flows/3fa85f64-5717-4562-b3fc-2c963f66afa6", null)]
    [InlineData("GET", "flow_runs/3fa85f64-5717-4562-b3fc-2c963f66afa6", null)]
    [InlineData("POST", "flow_runs/3fa85f64-5717-4562-b3fc-2c963f66afa6/set_state", """{"state":{"type":"RUNNING"}}""")]
    [InlineData("POST", "flow_runs/3fa85f64-5717-4562-b3fc-2c963f66afa6/set_state", """{"state":{"type":"NOPE"}}""")]
    [InlineData("POST", "deployments/3fa85f64-5717-4562-b3fc-2c963f66afa6/create_flow_run", "{}")]
    [InlineData("POST", "deployments/", """{"name":"d","flow_id":"3fa85f64-5717-4562-b3fc-2c963f66afa6"}""")]
    [InlineData("POST", "logs/", """[{"name":"x","level":20}]""")]
    [InlineData("POST", "logs/", """{"not":"a list"}""")]
    [InlineData("POST", "logs/filter", """{"limit": 5000}""")]
    [InlineData("GET", "work_pools/no-such-pool", null)]
    [InlineData("GET", "nowhere", null)]
    public async Task Bad_input_is_a_4xx_with_a_json_detail(string method, string path, string? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        // The handler validates bodies against the spec on the way out; bad input must skip that.
        using var raw = new HttpClient { BaseAddress = fixture.Http.BaseAddress };
        using var response = await raw.SendAsync(request);
        Assert.InRange((int)response.StatusCode, 400, 499);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(doc.RootElement.TryGetProperty("detail", out var detail) && detail.ToString().Length > 0);
    }

    [Fact]
    public async Task Workers_heartbeat_and_list_online_queues_patch_and_delete()
    {
        var (_, pool, deployment) = await DeployAsync();
        await Client.WorkPools.SendWorkerHeartbeatAsync(pool.Name, new WorkerHeartbeat { Name = "w1", HeartbeatIntervalSeconds = 30 });
        await Client.WorkPools.SendWorkerHeartbeatAsync(pool.Name, new WorkerHeartbeat { Name = "w1" });
        var worker = Assert.Single(await Client.WorkPools.ReadWorkersAsync(pool.Name));
        Assert.Equal((WorkerStatus.Online, "w1"), (worker.Status, worker.Name));
        Assert.Equal(WorkPoolStatus.Ready, (await Client.WorkPools.ReadWorkPoolAsync(pool.Name)).Status);

        var queue = await Client.WorkPools.CreateWorkQueueAsync(pool.Name, new WorkQueueCreate { Name = "high", Priority = 1 });
        Assert.Equal(queue.Id, (await Client.WorkPools.ReadWorkQueueAsync(pool.Name, "high")).Id);
        var run = await Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id, new DeploymentFlowRunCreate { WorkQueueName = "high" });
        Assert.Equal(queue.Id, run.WorkQueueId);
        var onlyHigh = await Client.WorkPools.GetScheduledFlowRunsAsync(pool.Name, new GetScheduledFlowRunsRequest { WorkQueueNames = ["high"], ScheduledBefore = DateTimeOffset.UtcNow.AddSeconds(1) });
        Assert.Equal(run.Id, Assert.Single(onlyHigh).FlowRun.Id);

        await Client.FlowRuns.UpdateFlowRunLabelsAsync(run.Id, new Dictionary<string, JsonElement> { ["team"] = PrefectJson.ToElement("data") });
        await Client.FlowRuns.UpdateFlowRunAsync(run.Id, new FlowRunUpdate { InfrastructurePid = "job/abc" });
        var read = await Client.FlowRuns.ReadFlowRunAsync(run.Id);
        Assert.Equal(("data", "job/abc"), (read.Labels!["team"].GetString(), read.InfrastructurePid));

        await Client.Deployments.UpdateDeploymentAsync(deployment.Id, new DeploymentUpdate { Description = "patched", Paused = true });
        var patched = await Client.Deployments.ReadDeploymentAsync(deployment.Id);
        Assert.Equal(("patched", true, "default"), (patched.Description, patched.Paused, patched.Name));

        await Client.WorkPools.UpdateWorkPoolAsync(pool.Name, new WorkPoolUpdate { IsPaused = true });
        Assert.Equal(WorkPoolStatus.Paused, (await Client.WorkPools.ReadWorkPoolAsync(pool.Name)).Status);
        Assert.Empty(await Client.WorkPools.GetScheduledFlowRunsAsync(pool.Name));

        await Client.Deployments.DeleteDeploymentAsync(deployment.Id);
        var gone = await Assert.ThrowsAsync<PrefectApiException>(() => Client.Deployments.ReadDeploymentAsync(deployment.Id));
        Assert.True(gone.IsNotFound);
    }

    [Fact]
    public async Task Schedules_create_future_runs_and_are_replaced_on_upsert()
    {
        var (flow, pool, _) = await DeployAsync();
        var deployment = await Client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "nightly", FlowId = flow.Id, WorkPoolName = pool.Name,
            Schedules = [new DeploymentScheduleCreate { Schedule = Schedule.FromCron("0 3 * * *", "Europe/Paris") }, new DeploymentScheduleCreate { Schedule = Schedule.FromInterval(TimeSpan.FromMinutes(10)) }],
        });
        Assert.Equal(2, deployment.Schedules.Count);
        var scheduled = new FlowRunFilterRequest { FlowRuns = new FlowRunFilter { DeploymentId = new DeploymentIdFilter { Any = [deployment.Id] } }, Sort = "EXPECTED_START_TIME_ASC" };
        var runs = await Client.FlowRuns.ReadFlowRunsAsync(scheduled);
        Assert.True(runs.Count >= 3 + 6, $"expected 3 cron runs and an hour of 10-minute runs, got {runs.Count}");
        Assert.All(runs, r => Assert.True(r.AutoScheduled && r.StateType == StateType.Scheduled && r.ExpectedStartTime > DateTimeOffset.UtcNow.AddSeconds(-1)));
        Assert.Contains(runs, r => r.ExpectedStartTime!.Value.Minute == 0 && TimeZoneInfo.ConvertTime(r.ExpectedStartTime.Value, TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris")).Hour == 3);

        await Client.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = "nightly", FlowId = flow.Id, WorkPoolName = pool.Name, Schedules = [] });
        Assert.Empty(await Client.FlowRuns.ReadFlowRunsAsync(scheduled));

        var rrule = await Assert.ThrowsAsync<PrefectApiException>(() => Client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "rrule", FlowId = flow.Id, Schedules = [new DeploymentScheduleCreate { Schedule = new Schedule { Rrule = "FREQ=SOMETIMES" } }],
        }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, rrule.StatusCode);
        var badCron = await Assert.ThrowsAsync<PrefectApiException>(() => Client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "bad", FlowId = flow.Id, Schedules = [new DeploymentScheduleCreate { Schedule = Schedule.FromCron("61 * * * *") }],
        }));
        Assert.Contains("cron", badCron.Detail);
    }

    [Fact]
    public async Task Job_variables_are_validated_against_the_pools_variables_schema()
    {
        var (flow, pool, deployment) = await DeployAsync();
        var badDeployment = await Assert.ThrowsAsync<PrefectApiException>(() => Client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "bad-vars", FlowId = flow.Id, WorkPoolName = pool.Name,
            JobVariables = new Dictionary<string, JsonElement> { ["backoff_limit"] = PrefectJson.ToElement("many") },
        }));
        Assert.Equal(HttpStatusCode.Conflict, badDeployment.StatusCode);
        Assert.Contains("backoff_limit", badDeployment.Detail);
        var badRun = await Assert.ThrowsAsync<PrefectApiException>(() => Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id, new DeploymentFlowRunCreate
        {
            JobVariables = new Dictionary<string, JsonElement> { ["image_pull_policy"] = PrefectJson.ToElement("Sometimes") },
        }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badRun.StatusCode);
        Assert.Contains("image_pull_policy", badRun.Detail);
    }

    [Fact]
    public async Task Oversized_log_batch_is_413_with_detail()
    {
        var logs = Enumerable.Range(0, 10_001).Select(i => new LogCreate { Name = "x", Level = 20, Message = "m", Timestamp = DateTimeOffset.UtcNow });
        var ex = await Assert.ThrowsAsync<PrefectApiException>(() => Client.Logs.CreateLogsAsync(logs));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, ex.StatusCode);
        Assert.Contains("10000", ex.Detail);
    }

    [Fact]
    public async Task Concurrent_upserts_of_one_name_agree_on_one_row()
    {
        var name = Unique("race");
        var flows = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Client.Flows.CreateFlowAsync(new FlowCreate { Name = name })));
        Assert.Single(flows.Select(f => f.Id).Distinct());
        var deployments = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Client.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = "d", FlowId = flows[0].Id, Version = $"{i}" })));
        Assert.Single(deployments.Select(d => d.Id).Distinct());
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
}

public sealed class SqliteServerContractTests(SqliteServerFixture fixture) : ServerContractTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresServerContractTests(PostgresServerFixture fixture) : ServerContractTests(fixture), IClassFixture<PostgresServerFixture>;
