using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flows.Server.Tests;

/// <summary>
/// A small world seeded through the API for the filter tests, with A and B objects that differ in every filterable field,
/// and the links between them (a run's flow, deployment, pool and queue; a deployment's flow, runs, pool and queue …) so
/// the tests can work out what a criterion on one resource selects of another, as Prefect's EXISTS subqueries do.
/// <list type="bullet">
/// <item>flow-a (tag ta) ← dep-a (tags da, active, pool-a, queue qa) ← run-a (tags da ra, Completed, flow_version 1.0,
/// parent task run, idempotency key key-a)</item>
/// <item>flow-b (no tags, no deployment) ← run-b (no deployment, Scheduled a day ahead)</item>
/// <item>flow-c ← dep-b (no tags, paused, pool-b, its default queue), no runs</item>
/// <item>pool-a (process: queues qa and default), pool-b (docker: default); workers w-off (interval 0) then w-on in pool-a</item>
/// <item>log-a (run-a, level 40, a task run, "disk full error") then log-b (run-b, level 10, "all good"); var-a (tag va), var-b</item>
/// </list>
/// </summary>
public sealed class FilterWorld
{
    private readonly Dictionary<string, Guid> _ids = [];
    private readonly Dictionary<string, string> _kinds = [];
    private readonly Dictionary<string, HashSet<string>> _links = [];

    public Guid ParentTaskRunId { get; } = Guid.NewGuid();

    public Guid LogTaskRunId { get; } = Guid.NewGuid();

    /// <summary>Between the two worker heartbeats.</summary>
    public DateTimeOffset BetweenHeartbeats { get; private set; }

    /// <summary>Between the two logs' timestamps.</summary>
    public DateTimeOffset BetweenLogs { get; private set; }

    /// <summary>Before anything was created, and an hour after (run-b is due a day ahead).</summary>
    public DateTimeOffset Start { get; } = DateTimeOffset.UtcNow.AddMinutes(-5);

    public Guid this[string key] => _ids[key];

    public IEnumerable<string> Of(string kind) => _kinds.Where(k => k.Value == kind).Select(k => k.Key);

    public string KindOf(string key) => _kinds[key];

    public IReadOnlySet<string> LinksOf(string key) => _links.TryGetValue(key, out var set) ? set : [];

    public string? KeyOf(Guid id) => _ids.FirstOrDefault(x => x.Value == id).Key;

    public static async Task<FilterWorld> SeedAsync(HttpClient http)
    {
        var w = new FilterWorld();
        var poolA = await PostAsync(http, "work_pools/", new { name = "pool-a", type = "process" });
        var poolB = await PostAsync(http, "work_pools/", new { name = "pool-b", type = "docker" });
        w.Add("poolA", "pool", poolA);
        w.Add("poolB", "pool", poolB);
        w.Add("defaultA", "queue", poolA.GetProperty("default_queue_id").GetGuid());
        w.Add("defaultB", "queue", poolB.GetProperty("default_queue_id").GetGuid());
        w.Add("qa", "queue", await PostAsync(http, "work_pools/pool-a/queues", new { name = "qa", priority = 2 }));

        w.Add("flowA", "flow", await PostAsync(http, "flows/", new { name = "flow-a", tags = new[] { "ta" } }));
        w.Add("flowB", "flow", await PostAsync(http, "flows/", new { name = "flow-b" }));
        w.Add("flowC", "flow", await PostAsync(http, "flows/", new { name = "flow-c" }));
        w.Add("depA", "deployment", await PostAsync(http, "deployments/", new { name = "dep-a", flow_id = w["flowA"], work_pool_name = "pool-a", work_queue_name = "qa", tags = new[] { "da" } }));
        w.Add("depB", "deployment", await PostAsync(http, "deployments/", new { name = "dep-b", flow_id = w["flowC"], work_pool_name = "pool-b", paused = true }));

        var runA = await PostAsync(http, $"deployments/{w["depA"]}/create_flow_run",
            new { name = "run-a", tags = new[] { "ra" }, idempotency_key = "key-a", parent_task_run_id = w.ParentTaskRunId });
        w.Add("runA", "run", runA);
        await SendAsync(http, HttpMethod.Patch, $"flow_runs/{w["runA"]}", new { flow_version = "1.0" });
        foreach (var state in new[] { "PENDING", "RUNNING", "COMPLETED" })
        {
            await PostAsync(http, $"flow_runs/{w["runA"]}/set_state", new { state = new { type = state }, force = true });
        }

        w.Add("runB", "run", await PostAsync(http, "flow_runs/", new
        {
            name = "run-b", flow_id = w["flowB"],
            state = new { type = "SCHEDULED", state_details = new { scheduled_time = DateTimeOffset.UtcNow.AddDays(1) } },
        }));

        await PostAsync(http, "work_pools/pool-a/workers/heartbeat", new { name = "w-off", heartbeat_interval_seconds = 0 });
        await Task.Delay(50);
        w.BetweenHeartbeats = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        await PostAsync(http, "work_pools/pool-a/workers/heartbeat", new { name = "w-on", heartbeat_interval_seconds = 3600 });
        using (var workers = await SendAsync(http, HttpMethod.Post, "work_pools/pool-a/workers/filter", new { }))
        {
            foreach (var worker in JsonDocument.Parse(await workers.Content.ReadAsStringAsync()).RootElement.EnumerateArray())
            {
                w.Add(worker.GetProperty("name").GetString() == "w-on" ? "wOn" : "wOff", "worker", worker.GetProperty("id").GetGuid());
            }
        }

        var now = DateTimeOffset.UtcNow;
        w.BetweenLogs = now.AddSeconds(-30);
        await SendAsync(http, HttpMethod.Post, "logs/", new object[]
        {
            new { name = "flows.a", level = 40, message = "disk full error", timestamp = now.AddMinutes(-1), flow_run_id = w["runA"], task_run_id = w.LogTaskRunId },
            new { name = "flows.b", level = 10, message = "all good", timestamp = now, flow_run_id = w["runB"] },
        });
        using (var logs = await SendAsync(http, HttpMethod.Post, "logs/filter", new { }))
        {
            foreach (var log in JsonDocument.Parse(await logs.Content.ReadAsStringAsync()).RootElement.EnumerateArray())
            {
                w.Add(log.GetProperty("message").GetString() == "disk full error" ? "logA" : "logB", "log", log.GetProperty("id").GetGuid());
            }
        }

        w.Add("varA", "variable", await PostAsync(http, "variables/", new { name = "var-a", value = 1, tags = new[] { "va" } }));
        w.Add("varB", "variable", await PostAsync(http, "variables/", new { name = "var-b", value = 2 }));

        w.Link("runA", "flowA", "depA", "poolA", "qa");
        w.Link("runB", "flowB");
        w.Link("flowA", "depA", "poolA", "runA");
        w.Link("flowB", "runB");
        w.Link("flowC", "depB", "poolB");
        w.Link("depA", "flowA", "runA", "poolA", "qa");
        w.Link("depB", "flowC", "poolB", "defaultB");
        return w;
    }

    public static async Task<JsonElement> PostAsync(HttpClient http, string path, object body)
    {
        using var response = await SendAsync(http, HttpMethod.Post, path, body);
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text.Length == 0 ? "null" : text).RootElement.Clone();
    }

    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, object body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body is JsonNode node ? node.ToJsonString() : JsonSerializer.Serialize(body), Encoding.UTF8, "application/json") };
        var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        return response;
    }

    private void Add(string key, string kind, JsonElement created) => Add(key, kind, created.GetProperty("id").GetGuid());

    private void Add(string key, string kind, Guid id)
    {
        _ids[key] = id;
        _kinds[key] = kind;
    }

    private void Link(string key, params string[] linked) => _links[key] = [.. linked];
}
