using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Flows.Server.Tests;

/// <summary>Log writes are bounded per batch (entries and bytes) and per run (a quota), and old lines are deleted after the retention.</summary>
public sealed class LogLimitTests
{
    [Fact]
    public async Task A_batch_over_the_entry_or_byte_cap_is_413()
    {
        await using var host = await StartAsync(new FlowsServerOptions { MaxLogBatchEntries = 10, MaxLogBatchBytes = 2_000 });
        using var http = new HttpClient { BaseAddress = new Uri(host.ApiUrl + "/") };

        Assert.Equal(HttpStatusCode.Created, await PostLogsAsync(http, Lines(null, 10, "x")));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await PostLogsAsync(http, Lines(null, 11, "x")));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await PostLogsAsync(http, Lines(null, 3, new string('b', 1_000))));
    }

    [Fact]
    public async Task A_run_past_its_quota_keeps_its_first_lines_and_one_warning_and_batches_still_succeed()
    {
        await using var host = await StartAsync(new FlowsServerOptions { MaxLogsPerRun = 5 });
        using var http = new HttpClient { BaseAddress = new Uri(host.ApiUrl + "/") };
        var flow = await PostAsync(http, "flows/", new JsonObject { ["name"] = "quota" });
        var run = await PostAsync(http, "flow_runs/", new JsonObject { ["flow_id"] = flow["id"]!.GetValue<string>() });
        var runId = Guid.Parse(run["id"]!.GetValue<string>());

        for (var batch = 0; batch < 3; batch++)
        {
            Assert.Equal(HttpStatusCode.Created, await PostLogsAsync(http, Lines(runId, 4, $"batch {batch}")));
        }

        var stored = await PostAsync(http, "logs/filter", new JsonObject { ["logs"] = new JsonObject { ["flow_run_id"] = new JsonObject { ["any_"] = new JsonArray(runId.ToString()) } } });
        var messages = stored.AsArray().Select(l => l!["message"]!.GetValue<string>()).ToList();
        Assert.Equal(6, messages.Count);
        Assert.Single(messages, m => m.Contains("log quota", StringComparison.Ordinal));
        Assert.Equal(4, messages.Count(m => m.StartsWith("batch 0", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Lines_older_than_the_retention_are_deleted_by_the_server()
    {
        // A 10 s retention makes the loop run every second; the kept line is stamped in the future so it outlives the wait.
        await using var host = await StartAsync(new FlowsServerOptions { LogRetention = TimeSpan.FromSeconds(10) });
        using var http = new HttpClient { BaseAddress = new Uri(host.ApiUrl + "/") };
        var old = new JsonArray(new JsonObject { ["name"] = "t", ["level"] = 20, ["message"] = "old line", ["timestamp"] = DateTimeOffset.UtcNow.AddDays(-2).ToString("O") });
        var kept = new JsonArray(new JsonObject { ["name"] = "t", ["level"] = 20, ["message"] = "kept line", ["timestamp"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O") });
        Assert.Equal(HttpStatusCode.Created, await PostLogsAsync(http, old));
        Assert.Equal(HttpStatusCode.Created, await PostLogsAsync(http, kept));

        List<string> left = [];
        for (var attempt = 0; attempt < 300; attempt++)
        {
            left = (await PostAsync(http, "logs/filter", new JsonObject())).AsArray().Select(l => l!["message"]!.GetValue<string>()).ToList();
            if (!left.Contains("old line"))
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal(["kept line"], left);
    }

    [Fact]
    public void The_log_limits_and_retention_bind_from_the_environment()
    {
        var options = FlowsServerOptions.FromEnvironment(name => name switch
        {
            "FLOWS_LOG_BATCH_MAX_ENTRIES" => "7",
            "FLOWS_LOG_BATCH_MAX_BYTES" => "9000",
            "FLOWS_LOG_MAX_PER_RUN" => "11",
            "FLOWS_LOG_RETENTION_DAYS" => "30",
            "FLOWS_ALLOWED_HOSTS" => "flows.local, other.local",
            _ => null,
        });

        Assert.Equal(7, options.MaxLogBatchEntries);
        Assert.Equal(9000, options.MaxLogBatchBytes);
        Assert.Equal(11, options.MaxLogsPerRun);
        Assert.Equal(TimeSpan.FromDays(30), options.LogRetention);
        Assert.Equal(["flows.local", "other.local"], options.AllowedHosts);
    }

    private static JsonArray Lines(Guid? runId, int count, string message)
        => new([.. Enumerable.Range(0, count).Select(i => (JsonNode)new JsonObject
        {
            ["name"] = "t", ["level"] = 20, ["message"] = $"{message} {i}", ["timestamp"] = DateTimeOffset.UtcNow.AddMilliseconds(i).ToString("O"),
            ["flow_run_id"] = runId?.ToString(),
        })]);

    private static async Task<HttpStatusCode> PostLogsAsync(HttpClient http, JsonArray lines)
    {
        using var response = await http.PostAsync("logs/", new StringContent(lines.ToJsonString(), Encoding.UTF8, "application/json"));
        return response.StatusCode;
    }

    private static async Task<JsonNode> PostAsync(HttpClient http, string path, JsonNode body)
    {
        using var response = await http.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static Task<FlowsServerHost> StartAsync(FlowsServerOptions options)
    {
        var dir = Path.Combine(Path.GetTempPath(), "flows-log-limits-" + Guid.NewGuid().ToString("N"));
        return FlowsServer.StartAsync(options with { Port = 0, DatabaseUrl = $"sqlite:///{dir}/f.db", SchedulerInterval = TimeSpan.Zero, OrphanTimeout = TimeSpan.Zero });
    }
}
