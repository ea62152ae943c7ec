using System.Text.Json;
using Flows.Api.Models;
using Flows.Workers.Process;

namespace Flows.Workers.Tests;

/// <summary>A deployment's <c>concurrency_limit</c> holds under two workers claiming at once.</summary>
public sealed class ConcurrencyLimitWorkerTests : IClassFixture<WorkerFixture>
{
    private readonly WorkerFixture _fixture;

    public ConcurrencyLimitWorkerTests(WorkerFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task Two_workers_never_run_more_than_the_deployments_limit_at_once_and_every_run_completes()
    {
        var pool = "limited-" + Guid.NewGuid().ToString("N")[..8];
        await _fixture.CreateProcessPoolAsync(pool);
        var app = WorkerFixture.HelloApp;
        var deploymentId = await _fixture.DeployAsync(pool, "hello", "limited", $"dotnet \"{app}\"", "HelloFlows.cs:hello", """{ "name": "Zaphod" }""", Path.GetDirectoryName(app));
        using (var http = new HttpClient())
        using (var patch = new HttpRequestMessage(HttpMethod.Patch, _fixture.ApiUrl.ToString().TrimEnd('/') + $"/deployments/{deploymentId}")
        {
            Content = new StringContent("""{"concurrency_limit":1}""", System.Text.Encoding.UTF8, "application/json"),
        })
        {
            using var response = await http.SendAsync(patch);
            Assert.True(response.IsSuccessStatusCode, $"PATCH deployment: {(int)response.StatusCode}");
        }

        var runIds = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            runIds.Add(await _fixture.RunAsync(deploymentId));
        }

        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 2).Select(i =>
        {
            var options = new WorkerOptions { WorkPool = pool, Name = $"limited-{i}", PollInterval = TimeSpan.FromMilliseconds(100) };
            return new FlowWorker(_fixture.Client, options, new ProcessInfrastructure(TextWriter.Null), TextWriter.Null).RunAsync(stop.Token);
        }).ToList();

        var runs = new List<FlowRun>();
        foreach (var id in runIds)
        {
            runs.Add(await _fixture.WaitAsync(id, WorkerFixture.IsFinal));
        }

        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.All(runs, r => Assert.Equal(StateType.Completed, r.StateType));
        // Each run held its slot from its claim (Pending) to its final state; no two of those spans overlap.
        var spans = new List<(DateTimeOffset From, DateTimeOffset To)>();
        var waited = 0;
        foreach (var id in runIds)
        {
            var states = await StatesAsync(id);
            waited += states.Any(s => s.Name == "AwaitingConcurrencySlot") ? 1 : 0;
            var claimed = states.Last(s => s.Type == "PENDING").Timestamp;
            var ended = states.Single(s => s.Type == "COMPLETED").Timestamp;
            spans.Add((claimed, ended));
        }

        var ordered = spans.OrderBy(s => s.From).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            Assert.True(ordered[i].From >= ordered[i - 1].To, $"two runs held a slot at once: {ordered[i - 1]} and {ordered[i]}");
        }

        Assert.True(waited > 0, "some run must have waited for a slot: the limit was tested");
    }

    private async Task<List<(string Type, string? Name, DateTimeOffset Timestamp)>> StatesAsync(Guid runId)
    {
        using var http = new HttpClient();
        using var states = JsonDocument.Parse(await http.GetStringAsync(_fixture.ApiUrl.ToString().TrimEnd('/') + $"/flow_run_states/?flow_run_id={runId}"));
        return states.RootElement.EnumerateArray()
            .Select(s => (s.GetProperty("type").GetString()!, s.TryGetProperty("name", out var n) ? n.GetString() : null, s.GetProperty("timestamp").GetDateTimeOffset()))
            .ToList();
    }
}
