using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Flows.Api.Client;
using Flows.Api.Models;

namespace Flows.Cli.Tests.Commands;

/// <summary>
/// "Killing the server mid-write loses nothing acknowledged": the real <c>flows-deploy server start</c> process on
/// SQLite, eight writers creating flow runs and log batches, SIGKILL while they write, a new server on the same file:
/// every run and log line the first server answered 201 for is there, and the database passes SQLite's integrity check.
/// </summary>
public sealed class ServerKillTests
{
    [Fact]
    public async Task Every_write_acknowledged_before_a_SIGKILL_is_there_after_a_restart()
    {
        var home = Directory.CreateTempSubdirectory("flows-kill-").FullName;
        try
        {
            var (first, firstUrl) = await StartServerAsync(home);
            Guid deploymentId;
            using (var client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(firstUrl) }))
            {
                var flow = await client.Flows.CreateFlowAsync(new FlowCreate { Name = "hello" });
                deploymentId = (await client.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = "d", FlowId = flow.Id, Entrypoint = "HelloFlows.cs:hello" })).Id;
            }

            var runs = new ConcurrentBag<Guid>();
            var lines = new ConcurrentBag<string>();
            using var stop = new CancellationTokenSource();
            using var http = new HttpClient { BaseAddress = new Uri(firstUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(10) };
            var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        if (i % 2 == 0)
                        {
                            using var response = await http.PostAsJsonAsync($"deployments/{deploymentId}/create_flow_run", new { }, stop.Token);
                            if (response.StatusCode == HttpStatusCode.Created)
                            {
                                runs.Add((await response.Content.ReadFromJsonAsync<JsonElement>(stop.Token)).GetProperty("id").GetGuid());
                            }
                        }
                        else
                        {
                            var batch = Enumerable.Range(0, 20).Select(n => $"w{w}-i{i}-n{n}-{Guid.NewGuid():N}").ToList();
                            using var response = await http.PostAsJsonAsync("logs/", batch.Select(m => new { name = "kill-test", level = 20, message = m, timestamp = DateTimeOffset.UtcNow }), stop.Token);
                            if (response.StatusCode == HttpStatusCode.Created)
                            {
                                batch.ForEach(lines.Add);
                            }
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException)
                    {
                        // The server is gone (killed): whatever was not answered was not acknowledged.
                        if (first.HasExited)
                        {
                            return;
                        }
                    }
                }
            })).ToList();

            // Kill while the writers are busy, once a good number of writes were acknowledged.
            var deadline = Stopwatch.StartNew();
            while (runs.Count + lines.Count / 20 < 200 && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(20);
            }

            first.Kill(entireProcessTree: true); // SIGKILL: no shutdown, no flush
            await first.WaitForExitAsync();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            Assert.True(runs.Count > 50 && lines.Count > 500, $"too few writes before the kill to mean anything: {runs.Count} runs, {lines.Count} lines");

            var (second, secondUrl) = await StartServerAsync(home);
            try
            {
                using var client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(secondUrl) });
                foreach (var id in runs)
                {
                    Assert.Equal(id, (await client.FlowRuns.ReadFlowRunAsync(id)).Id);
                }

                var stored = new HashSet<string>(StringComparer.Ordinal);
                for (var offset = 0; ; offset += 200)
                {
                    var page = await client.Logs.ReadLogsAsync(new LogFilterRequest { Limit = 200, Offset = offset });
                    stored.UnionWith(page.Select(l => l.Message));
                    if (page.Count < 200)
                    {
                        break;
                    }
                }

                var lost = lines.Where(l => !stored.Contains(l)).ToList();
                Assert.True(lost.Count == 0, $"{lost.Count} of {lines.Count} acknowledged log lines lost, e.g. {lost.FirstOrDefault()}");
            }
            finally
            {
                second.Kill(entireProcessTree: true);
                await second.WaitForExitAsync();
            }

            using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(home, "flows.db")}");
            await db.OpenAsync();
            using var check = db.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", (string?)await check.ExecuteScalarAsync());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary><c>dotnet flows-deploy.dll server start</c> on a free loopback port, SQLite under <paramref name="home"/>.</summary>
    private static async Task<(Process Server, string ApiUrl)> StartServerAsync(string home)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "flows-deploy.dll"), "server", "start", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["FLOWS_HOME"] = home;
        start.Environment.Remove("FLOWS_DATABASE_URL");
        var server = Process.Start(start)!;
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        var url = $"http://127.0.0.1:{port}/api";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                if ((await http.GetAsync(url + "/health")).IsSuccessStatusCode)
                {
                    return (server, url);
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not up yet
            }

            Assert.False(server.HasExited, $"the server exited with {(server.HasExited ? server.ExitCode : 0)}");
            await Task.Delay(100);
        }

        throw new TimeoutException("the server did not answer /health within 60 s");
    }
}
