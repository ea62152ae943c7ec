using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Flows.Api.Models;
using Flows.Testing;

namespace Flows.Cli.Tests.Commands;

/// <summary>
/// <c>worker start --with-healthcheck</c> as a liveness probe sees it: the real worker process serves 200 while it polls,
/// and 503 with Prefect's message once its API has been gone for longer than the window.
/// </summary>
public sealed partial class WorkerHealthCheckTests
{
    [Fact]
    public async Task Health_is_200_while_the_worker_polls_and_503_once_the_api_is_gone_for_the_window()
    {
        var server = await TestServer.StartAsync("flows-worker-health");
        var pool = "health-" + Guid.NewGuid().ToString("N")[..6];
        await server.Client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = pool, Type = "process" });

        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "flows-deploy.dll"), "worker", "start", "--pool", pool, "--poll-seconds", "0.2", "--with-healthcheck" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PREFECT_API_URL"] = server.ApiUrl;
        start.Environment["PREFECT_WORKER_WEBSERVER_HOST"] = "127.0.0.1";
        start.Environment["PREFECT_WORKER_WEBSERVER_PORT"] = "0";
        start.Environment["FLOWS_WORKER_HEALTH_WINDOW_SECONDS"] = "3";
        using var worker = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        worker.OutputDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        worker.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();
        try
        {
            var url = await WaitForAsync(() => output.Select(l => HealthUrl().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value, "the health check URL", output, worker);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await WaitForAsync(async () => (await http.GetAsync(url)).StatusCode == HttpStatusCode.OK ? "ok" : null, "200 while polling", output, worker);
            using (var ok = await http.GetAsync(url))
            {
                Assert.Equal("OK", JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString());
            }

            await server.DisposeAsync(); // the API is gone; the worker keeps retrying, so its polls stop succeeding

            await WaitForAsync(async () => (await http.GetAsync(url)).StatusCode == HttpStatusCode.ServiceUnavailable ? "503" : null, "503 after the window", output, worker);
            using var unhealthy = await http.GetAsync(url);
            Assert.Equal("Worker may be unresponsive at this time", JsonDocument.Parse(await unhealthy.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString());
            Assert.False(worker.HasExited, "the worker rides out the outage; only the probe says it is stuck");
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync();
        }
    }

    private static Task<string> WaitForAsync(Func<string?> probe, string what, IEnumerable<string> output, Process worker) =>
        WaitForAsync(() => Task.FromResult(probe()), what, output, worker);

    private static async Task<string> WaitForAsync(Func<Task<string?>> probe, string what, IEnumerable<string> output, Process worker)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                if (await probe() is { } found)
                {
                    return found;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            Assert.False(worker.HasExited, $"the worker exited:\n{string.Join('\n', output)}");
            await Task.Delay(100);
        }

        Assert.Fail($"no {what} within 60 s:\n{string.Join('\n', output)}");
        return null!;
    }

    [GeneratedRegex(@"Health check at (http://\S+/health)")]
    private static partial Regex HealthUrl();
}
