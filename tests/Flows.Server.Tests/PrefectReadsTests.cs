using System.Net;
using System.Text;
using System.Text.Json;
using Flows.Server.WorkPools;

namespace Flows.Server.Tests;

/// <summary>
/// The reads (and their few writes) Prefect's clients and UI make beyond running flows: queues, schedules, variables,
/// deletes, resume, graphs, history, the /api/ui routes, settings, the worker-type catalogue and the objects this server
/// does not store. Every body goes through the OpenAPI-validating handler.
/// </summary>
public abstract class PrefectReadsTests(ServerFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "null" : text).RootElement.Clone());
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, object body) => SendAsync(HttpMethod.Post, path, body);

    private Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    private async Task<(JsonElement Flow, JsonElement Pool, JsonElement Deployment)> DeployAsync()
    {
        var (_, flow) = await PostAsync("flows/", new { name = Unique("flow") });
        var (_, pool) = await PostAsync("work_pools/", new { name = Unique("pool"), type = "process" });
        var (_, deployment) = await PostAsync("deployments/", new { name = "d", flow_id = flow.GetProperty("id").GetGuid(), work_pool_name = pool.GetProperty("name").GetString() });
        return (flow, pool, deployment);
    }

    [Fact]
    public async Task Work_queues_are_read_filtered_updated_and_deleted_by_pool_and_by_id()
    {
        var (_, pool, _) = await DeployAsync();
        var poolName = pool.GetProperty("name").GetString();
        var (created, queue) = await PostAsync($"work_pools/{poolName}/queues", new { name = "high", priority = 5 });
        Assert.Equal(HttpStatusCode.Created, created);
        var id = queue.GetProperty("id").GetGuid();

        var (_, listed) = await PostAsync($"work_pools/{poolName}/queues/filter", new { work_queues = new { name = new { startswith_ = new[] { "HI" } } } });
        Assert.Equal(id, Assert.Single(listed.EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Patch, $"work_pools/{poolName}/queues/high", new { is_paused = true, description = "busy" })).Status);
        var (_, byId) = await GetAsync($"work_queues/{id}");
        Assert.Equal(("PAUSED", "busy", true), (byId.GetProperty("status").GetString(), byId.GetProperty("description").GetString(), byId.GetProperty("is_paused").GetBoolean()));
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Patch, $"work_queues/{id}", new { is_paused = false, concurrency_limit = 3 })).Status);
        var (_, byName) = await GetAsync($"work_pools/{poolName}/queues/high");
        Assert.Equal((3, "NOT_READY"), (byName.GetProperty("concurrency_limit").GetInt32(), byName.GetProperty("status").GetString()));
        var (_, deployment) = await PostAsync("deployments/", new { name = Unique("dep"), flow_id = (await PostAsync("flows/", new { name = Unique("flow") })).Body.GetProperty("id").GetGuid(), work_pool_name = poolName, work_queue_name = "high" });
        var (_, waiting) = await PostAsync($"deployments/{deployment.GetProperty("id").GetGuid()}/create_flow_run", new { });
        var (_, queued) = await PostAsync($"work_queues/{id}/get_runs", new { scheduled_before = DateTimeOffset.UtcNow.AddMinutes(1) });
        Assert.Equal(waiting.GetProperty("id").GetGuid(), Assert.Single(queued.EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Empty((await PostAsync($"work_queues/{id}/get_runs", new { scheduled_before = DateTimeOffset.UtcNow.AddDays(-1) })).Body.EnumerateArray());
        var (_, status) = await GetAsync($"work_queues/{id}/status");
        Assert.False(status.GetProperty("healthy").GetBoolean());
        var (_, all) = await PostAsync("work_queues/filter", new { work_queues = new { id = new { any_ = new[] { id } } } });
        Assert.Single(all.EnumerateArray());

        // The pool's default queue cannot go; another queue can.
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Delete, $"work_queues/{pool.GetProperty("default_queue_id").GetGuid()}")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"work_pools/{poolName}/queues/high")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync($"work_queues/{id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("work_queues/name/high")).Status);
    }

    [Fact]
    public async Task A_polled_queue_and_its_deployments_are_ready_and_a_pool_with_an_online_worker_is_ready_in_listings()
    {
        var (_, pool, deployment) = await DeployAsync();
        var deploymentId = deployment.GetProperty("id").GetGuid();
        Assert.Equal("NOT_READY", (await GetAsync($"deployments/{deploymentId}")).Body.GetProperty("status").GetString());
        var poolName = pool.GetProperty("name").GetString();
        var listed = (await PostAsync("work_pools/filter", new { work_pools = new { name = new { any_ = new[] { poolName } } } })).Body;
        Assert.Equal("NOT_READY", listed[0].GetProperty("status").GetString());
        var queueId = pool.GetProperty("default_queue_id").GetGuid();
        Assert.Equal("NOT_READY", (await GetAsync($"work_queues/{queueId}")).Body.GetProperty("status").GetString());

        await PostAsync($"work_pools/{poolName}/workers/heartbeat", new { name = "w" });
        await PostAsync($"work_pools/{poolName}/get_scheduled_flow_runs", new { });
        listed = (await PostAsync("work_pools/filter", new { work_pools = new { name = new { any_ = new[] { poolName } } } })).Body;
        Assert.Equal("READY", listed[0].GetProperty("status").GetString());
        var queue = (await GetAsync($"work_queues/{queueId}")).Body;
        Assert.Equal("READY", queue.GetProperty("status").GetString());
        Assert.True((await GetAsync($"work_queues/{queueId}/status")).Body.GetProperty("healthy").GetBoolean());
        Assert.Equal("READY", (await GetAsync($"deployments/{deploymentId}")).Body.GetProperty("status").GetString());
        var (_, found) = await PostAsync("deployments/filter", new { deployments = new { id = new { any_ = new[] { deploymentId } } } });
        Assert.Equal("READY", found[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Deployment_schedules_are_listed_added_updated_and_removed_one_by_one()
    {
        var (_, _, deployment) = await DeployAsync();
        var id = deployment.GetProperty("id").GetGuid();
        var (created, schedules) = await PostAsync($"deployments/{id}/schedules", new[] { new { schedule = new { interval = 3600 }, active = false, slug = "hourly" } });
        Assert.Equal(HttpStatusCode.Created, created);
        var scheduleId = Assert.Single(schedules.EnumerateArray()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync($"deployments/{id}/schedules", new[] { new { schedule = new { interval = 60 }, slug = "hourly" } })).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Patch, $"deployments/{id}/schedules/{scheduleId}", new { active = true })).Status);
        var (_, listed) = await GetAsync($"deployments/{id}/schedules");
        Assert.True(Assert.Single(listed.EnumerateArray()).GetProperty("active").GetBoolean());
        var (_, runs) = await PostAsync("flow_runs/count", new { deployments = new { id = new { any_ = new[] { id } } } });
        Assert.True(runs.GetInt32() > 0, "an active schedule makes runs");

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"deployments/{id}/schedules/{scheduleId}")).Status);
        Assert.Empty((await GetAsync($"deployments/{id}/schedules")).Body.EnumerateArray());
        Assert.Equal(0, (await PostAsync("flow_runs/count", new { deployments = new { id = new { any_ = new[] { id } } } })).Body.GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, $"deployments/{id}/schedules/{scheduleId}")).Status);
    }

    [Fact]
    public async Task Variables_are_managed_by_id_and_by_name()
    {
        var name = Unique("var");
        var (_, created) = await PostAsync("variables/", new { name, value = new { a = 1 }, tags = new[] { "t" } });
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal(name, (await GetAsync($"variables/{id}")).Body.GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Patch, $"variables/name/{name}", new { value = "two" })).Status);
        Assert.Equal("two", (await GetAsync($"variables/{id}")).Body.GetProperty("value").GetString());
        var renamed = Unique("renamed");
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Patch, $"variables/{id}", new { name = renamed })).Status);
        Assert.Equal(id, (await GetAsync($"variables/name/{renamed}")).Body.GetProperty("id").GetGuid());
        Assert.Equal(1, (await PostAsync("variables/count", new { variables = new { name = new { any_ = new[] { renamed } } } })).Body.GetInt32());
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"variables/name/{renamed}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, $"variables/{id}")).Status);
    }

    [Fact]
    public async Task Runs_are_created_resumed_graphed_and_deleted_and_flows_deleted_with_their_runs()
    {
        var (_, flow) = await PostAsync("flows/", new { name = Unique("flow") });
        var flowId = flow.GetProperty("id").GetGuid();
        var (created, run) = await PostAsync("flow_runs/", new { flow_id = flowId, idempotency_key = "once" });
        Assert.Equal((HttpStatusCode.Created, "PENDING"), (created, run.GetProperty("state_type").GetString()));
        var (again, same) = await PostAsync("flow_runs/", new { flow_id = flowId, idempotency_key = "once" });
        Assert.Equal((HttpStatusCode.OK, run.GetProperty("id").GetGuid()), (again, same.GetProperty("id").GetGuid()));
        var id = run.GetProperty("id").GetGuid();

        var (_, notPaused) = await PostAsync($"flow_runs/{id}/resume", new { });
        Assert.Equal("ABORT", notPaused.GetProperty("status").GetString());
        await PostAsync($"flow_runs/{id}/set_state", new { state = new { type = "PAUSED" }, force = true });
        var (resumed, result) = await PostAsync($"flow_runs/{id}/resume", new { });
        Assert.Equal((HttpStatusCode.Created, "ACCEPT", "RUNNING"), (resumed, result.GetProperty("status").GetString(), result.GetProperty("state").GetProperty("type").GetString()));

        var (_, graph) = await GetAsync($"flow_runs/{id}/graph-v2");
        Assert.Equal(["PENDING", "PAUSED", "RUNNING"], graph.GetProperty("states").EnumerateArray().Select(s => s.GetProperty("type").GetString()));
        Assert.Empty(graph.GetProperty("nodes").EnumerateArray());
        Assert.Empty((await GetAsync($"flow_runs/{id}/graph")).Body.EnumerateArray());

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"flow_runs/{id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync($"flow_runs/{id}")).Status);

        await PostAsync("flow_runs/", new { flow_id = flowId });
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"flows/{flowId}")).Status);
        Assert.Equal(0, (await PostAsync("flow_runs/count", new { flows = new { id = new { any_ = new[] { flowId } } } })).Body.GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, $"flows/{flowId}")).Status);
    }

    [Fact]
    public async Task Lateness_and_history_count_the_matching_runs()
    {
        var (_, flow) = await PostAsync("flows/", new { name = Unique("flow") });
        var flowId = flow.GetProperty("id").GetGuid();
        var late = DateTimeOffset.UtcNow.AddMinutes(-10);
        await PostAsync("flow_runs/", new { flow_id = flowId, state = new { type = "SCHEDULED", state_details = new { scheduled_time = late } } });
        var filter = new { flows = new { id = new { any_ = new[] { flowId } } } };
        var (_, lateness) = await PostAsync("flow_runs/lateness", filter);
        Assert.InRange(lateness.GetDouble(), 590, 3600);
        Assert.Equal(JsonValueKind.Null, (await PostAsync("flow_runs/lateness", new { flows = new { id = new { any_ = new[] { Guid.NewGuid() } } } })).Body.ValueKind);

        var (_, history) = await PostAsync("flow_runs/history", new
        {
            history_start = late.AddMinutes(-30), history_end = late.AddMinutes(30), history_interval_seconds = 600, flows = filter.flows,
        });
        var intervals = history.EnumerateArray().ToList();
        Assert.Equal(6, intervals.Count);
        var counted = intervals.SelectMany(i => i.GetProperty("states").EnumerateArray()).ToList();
        Assert.Equal(("SCHEDULED", 1), (Assert.Single(counted).GetProperty("state_type").GetString(), counted[0].GetProperty("count_runs").GetInt32()));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PostAsync("flow_runs/history", new { history_start = late, history_end = late.AddDays(1), history_interval_seconds = 0.5 })).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PostAsync("flow_runs/history", new { history_start = late, history_end = late.AddYears(5), history_interval_seconds = 1 })).Status);
    }

    [Fact]
    public async Task Ui_routes_answer_as_prefects_ui_expects()
    {
        var (flow, pool, deployment) = await DeployAsync();
        var flowId = flow.GetProperty("id").GetGuid();
        var other = Guid.NewGuid();
        await PostAsync($"deployments/{deployment.GetProperty("id").GetGuid()}/create_flow_run", new { });

        var (_, counts) = await PostAsync("ui/flows/count-deployments", new { flow_ids = new[] { flowId, other } });
        Assert.Equal((1, 0), (counts.GetProperty(flowId.ToString()).GetInt32(), counts.GetProperty(other.ToString()).GetInt32()));
        var (_, next) = await PostAsync("ui/flows/next-runs", new { flow_ids = new[] { flowId, other } });
        Assert.Equal("SCHEDULED", next.GetProperty(flowId.ToString()).GetProperty("state_type").GetString());
        Assert.Equal(JsonValueKind.Null, next.GetProperty(other.ToString()).ValueKind);
        var (_, history) = await PostAsync("ui/flow_runs/history", new { flows = new { id = new { any_ = new[] { flowId } } } });
        var runId = Assert.Single(history.EnumerateArray()).GetProperty("id").GetGuid();
        var (_, taskCounts) = await PostAsync("ui/flow_runs/count-task-runs", new { flow_run_ids = new[] { runId } });
        Assert.Equal(0, taskCounts.GetProperty(runId.ToString()).GetInt32());
        using (var raw = new HttpClient { BaseAddress = Http.BaseAddress })
        {
            // Over Prefect's max_items (the validating handler would refuse to send it).
            using var tooMany = await raw.PostAsync("ui/flows/count-deployments", new StringContent(JsonSerializer.Serialize(new { flow_ids = Enumerable.Range(0, 201).Select(_ => Guid.NewGuid()) }), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, tooMany.StatusCode);
        }


        var schema = new { type = "object", properties = new { n = new { type = "integer" } }, required = new[] { "n" } };
        var (_, valid) = await PostAsync("ui/schemas/validate", new { schema, values = new { n = 1 } });
        Assert.True(valid.GetProperty("valid").GetBoolean());
        var (_, invalid) = await PostAsync("ui/schemas/validate", new { schema, values = new { n = "one" } });
        Assert.False(invalid.GetProperty("valid").GetBoolean());
        Assert.Equal("n", invalid.GetProperty("errors")[0].GetProperty("property").GetString());

        var (_, buckets) = await PostAsync("ui/task_runs/dashboard/counts", new { task_runs = new { start_time = new { after_ = DateTimeOffset.UtcNow.AddDays(-1) } } });
        Assert.Equal(20, buckets.GetArrayLength());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PostAsync("ui/task_runs/dashboard/counts", new { task_runs = new { } })).Status);
        Assert.Equal(0, (await PostAsync("ui/task_runs/count", new { })).Body.GetProperty("COMPLETED").GetInt32());
        _ = pool;
    }

    [Fact]
    public async Task Settings_csrf_and_the_worker_catalogue()
    {
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("admin/settings")).Status);
        var (csrf, body) = await GetAsync("csrf-token?client=ui");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, csrf);
        Assert.Contains("CSRF protection is disabled", body.GetProperty("detail").ToString());

        var (_, view) = await GetAsync("collections/views/aggregate-worker-metadata");
        foreach (var (collection, type) in new[] { ("prefect", "process"), ("prefect-docker", "docker"), ("prefect-kubernetes", "kubernetes") })
        {
            var worker = view.GetProperty(collection).GetProperty(type);
            Assert.Equal(type, worker.GetProperty("type").GetString());
            Assert.True(JsonElement.DeepEquals(BaseJobTemplates.ForType(type)!.Value, worker.GetProperty("default_base_job_configuration")));
        }

        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("collections/views/no-such-view")).Status);
    }

    [Fact]
    public async Task Deployments_pause_and_resume_flows_update_and_logs_download_as_csv()
    {
        var (flow, _, deployment) = await DeployAsync();
        var id = deployment.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync($"deployments/{id}/pause_deployment", new { })).Status);
        Assert.True((await GetAsync($"deployments/{id}")).Body.GetProperty("paused").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await PostAsync($"deployments/{id}/resume_deployment", new { })).Status);
        Assert.False((await GetAsync($"deployments/{id}")).Body.GetProperty("paused").GetBoolean());

        var flowId = flow.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Patch, $"flows/{flowId}", new { tags = new[] { "x", "y" } })).Status);
        Assert.Equal(["x", "y"], (await GetAsync($"flows/{flowId}")).Body.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        var (_, run) = await PostAsync("flow_runs/", new { flow_id = flowId, name = "csv-run" });
        var runId = run.GetProperty("id").GetGuid();
        var now = DateTimeOffset.UtcNow;
        await SendAsync(HttpMethod.Post, "logs/", new object[]
        {
            new { name = "a", level = 20, message = "plain", timestamp = now, flow_run_id = runId },
            new { name = "a", level = 40, message = "with, comma and \"quote\"", timestamp = now.AddSeconds(1), flow_run_id = runId },
        });
        using var raw = new HttpClient { BaseAddress = Http.BaseAddress };
        using var download = await raw.GetAsync($"flow_runs/{runId}/logs/download");
        Assert.Equal("text/csv", download.Content.Headers.ContentType!.MediaType);
        var lines = (await download.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Equal("timestamp,level,flow_run_id,task_run_id,message", lines[0]);
        Assert.EndsWith($",20,{runId},,plain", lines[1]);
        Assert.EndsWith(",\"with, comma and \"\"quote\"\"\"", lines[2]);

        var (_, states) = await SendAsync(HttpMethod.Get, $"flow_run_states/?flow_run_id={runId}");
        var stateId = states[0].GetProperty("id").GetGuid();
        Assert.Equal("PENDING", (await GetAsync($"flow_run_states/{stateId}")).Body.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, (await GetAsync("admin/storage")).Body.GetProperty("default_result_storage_block_id").ValueKind);
    }

    [Fact]
    public async Task Workers_are_deleted_by_name()
    {
        var (_, pool, _) = await DeployAsync();
        var poolName = pool.GetProperty("name").GetString();
        await PostAsync($"work_pools/{poolName}/workers/heartbeat", new { name = "w1" });
        Assert.Single((await PostAsync($"work_pools/{poolName}/workers/filter", new { })).Body.EnumerateArray());
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"work_pools/{poolName}/workers/w1")).Status);
        Assert.Empty((await PostAsync($"work_pools/{poolName}/workers/filter", new { })).Body.EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, $"work_pools/{poolName}/workers/w1")).Status);
    }

    [Theory]
    [InlineData("flow_runs/paginate", """{"page": 2147483647, "limit": 200}""")]
    [InlineData("deployments/paginate", """{"page": 2147483647}""")]
    [InlineData("flows/filter", """{"offset": 2147483647}""")]
    [InlineData("ui/schemas/validate", """{"schema": {"$ref": "http://example.invalid/schema.json"}, "values": {}}""")]
    [InlineData("ui/schemas/validate", """{"schema": {"$ref": "#/definitions/missing"}, "values": {"a": 1}}""")]
    [InlineData("ui/schemas/validate", """{"schema": {"definitions": {"a": {"$ref": "#/definitions/a"}}, "$ref": "#/definitions/a"}, "values": {"a": 1}}""")]
    [InlineData("ui/schemas/validate", """{"schema": {"type": "nonsense"}, "values": {"a": 1}}""")]
    [InlineData("ui/schemas/validate", """{"schema": {"properties": {"a": {"pattern": "(unclosed"}}}, "values": {"a": "x"}}""")]
    [InlineData("flow_runs/history", """{"history_start": "0001-01-01T00:00:00Z", "history_end": "9999-12-31T23:59:59Z", "history_interval_seconds": 1e300}""")]
    [InlineData("flow_runs/history", """{"history_start": "9999-12-31T23:00:00Z", "history_end": "9999-12-31T23:59:59Z", "history_interval_seconds": 3000}""")]
    [InlineData("task_runs/history", """{"history_start": "2026-01-01T00:00:00Z", "history_end": "2026-01-02T00:00:00Z", "history_interval_seconds": 3600}""")]
    [InlineData("logs/filter", """{"logs": {"text": {"query": "\"unclosed -"}}}""")]
    [InlineData("flow_runs/filter", """{"flow_runs": {"name": {"like_": "%_\\"}}}""")]
    public async Task Hostile_bodies_never_cause_a_server_error(string path, string body)
    {
        using var raw = new HttpClient { BaseAddress = Http.BaseAddress };
        using var response = await raw.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.True((int)response.StatusCode < 500, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task A_parameter_schema_with_an_unresolvable_ref_is_a_4xx_on_run()
    {
        var (_, flow) = await PostAsync("flows/", new { name = Unique("flow") });
        var (_, deployment) = await PostAsync("deployments/", new
        {
            name = "d", flow_id = flow.GetProperty("id").GetGuid(), enforce_parameter_schema = true,
            parameter_openapi_schema = new Dictionary<string, object> { ["$ref"] = "http://example.invalid/schema.json" },
        });
        var (status, body) = await PostAsync($"deployments/{deployment.GetProperty("id").GetGuid()}/create_flow_run", new { });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("parameter schema", body.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("task_runs/filter", "[]")]
    [InlineData("task_runs/count", "0")]
    [InlineData("events/filter", """{"events":[],"total":0,"next_page":null}""")]
    [InlineData("events/count-by/day", "[]")]
    [InlineData("automations/filter", "[]")]
    [InlineData("automations/count", "0")]
    [InlineData("block_types/filter", "[]")]
    [InlineData("block_documents/filter", "[]")]
    [InlineData("block_documents/count", "0")]
    [InlineData("block_schemas/filter", "[]")]
    [InlineData("concurrency_limits/filter", "[]")]
    [InlineData("v2/concurrency_limits/filter", "[]")]
    [InlineData("artifacts/filter", "[]")]
    [InlineData("artifacts/latest/filter", "[]")]
    [InlineData("artifacts/count", "0")]
    [InlineData("artifacts/latest/count", "0")]
    [InlineData("saved_searches/filter", "[]")]
    public async Task Objects_the_server_does_not_store_read_as_empty(string path, string expected)
    {
        var body = path.StartsWith("events/", StringComparison.Ordinal)
            ? new { filter = new { }, time_unit = "day", time_interval = 1 } as object
            : new { };
        var (status, answer) = await PostAsync(path, body);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(expected).RootElement, answer), $"{path}: {answer}");
    }

    [Theory]
    [InlineData("POST", "task_runs/", """{"flow_run_id": null, "task_key": "k", "dynamic_key": "0"}""")]
    [InlineData("POST", "automations/", "{}")]
    [InlineData("POST", "block_documents/", "{}")]
    [InlineData("POST", "artifacts/", "{}")]
    [InlineData("POST", "v2/concurrency_limits/", "{}")]
    [InlineData("PUT", "saved_searches/", "{}")]
    public async Task Writes_of_objects_the_server_does_not_store_are_400_saying_so(string method, string path, string body)
    {
        using var raw = new HttpClient { BaseAddress = Http.BaseAddress };
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await raw.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("does not store", await response.Content.ReadAsStringAsync());
    }
}

public sealed class SqlitePrefectReadsTests(SqliteServerFixture fixture) : PrefectReadsTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresPrefectReadsTests(PostgresServerFixture fixture) : PrefectReadsTests(fixture), IClassFixture<PostgresServerFixture>;
