using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Flows.Api.Client;
using Flows.Api.Models;
using Npgsql;

namespace Flows.Cli.Tests.Commands;

/// <summary>
/// The server as replicas: three <c>flows-deploy server start</c> processes on one PostgreSQL database, each with its
/// scheduler on, behind a round-robin client. The schedules make no run twice, and of three claims of one run sent at
/// once (through three different replicas, as the round robin sends them) exactly one wins.
/// </summary>
public sealed class ReplicaTests : IAsyncLifetime
{
    private const string DefaultConnectionString = "Host=127.0.0.1;Port=5432;Username=flows;Password=flows;Database=flows";
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<Process> _replicas = [];
    private readonly List<int> _ports = [];
    private string _connectionString = string.Empty;

    public async Task InitializeAsync()
    {
        var baseConnection = Environment.GetEnvironmentVariable("FLOWS_TEST_POSTGRES") is { Length: > 0 } cs ? cs : DefaultConnectionString;
        await using (var connection = new NpgsqlConnection(baseConnection))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE SCHEMA {_schema}", connection);
            await command.ExecuteNonQueryAsync();
        }

        _connectionString = new NpgsqlConnectionStringBuilder(baseConnection) { SearchPath = _schema }.ConnectionString;
        // The first replica migrates the schema alone; the others start on a database that is ready.
        await StartReplicaAsync();
        await Task.WhenAll(StartReplicaAsync(), StartReplicaAsync());
    }

    public async Task DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            replica.Kill(entireProcessTree: true);
            await replica.WaitForExitAsync();
            replica.Dispose();
        }

        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Three_server_processes_make_each_scheduled_run_once_and_one_of_three_simultaneous_claims_wins()
    {
        using var client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse($"http://127.0.0.1:{_ports[0]}/api"), MaxRetries = 0 }, new RoundRobin(_ports));
        var flow = await client.Flows.CreateFlowAsync(new FlowCreate { Name = "replicated" });
        await client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = "replicated", Type = "process" });
        var schedules = Enumerable.Range(1, 3).Select(m => new DeploymentScheduleCreate { Schedule = Schedule.FromInterval(TimeSpan.FromMinutes(m)) }).ToList();
        var deployments = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            deployments.Add((await client.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = $"d{i}", FlowId = flow.Id, WorkPoolName = "replicated", Schedules = schedules })).Id);
        }

        // Every replica's scheduler passes over the deployments several times (FLOWS_SCHEDULER_INTERVAL_SECONDS=0.2).
        await Task.Delay(TimeSpan.FromSeconds(3));

        var keys = new List<string>();
        await using (var connection = new NpgsqlConnection(_connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT idempotency_key FROM flow_runs WHERE auto_scheduled = 1", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetString(0));
            }
        }

        Assert.True(keys.Count >= deployments.Count * 3 * 3, $"{keys.Count} scheduled runs");
        Assert.Equal(keys.Count, keys.Distinct().Count());

        var runs = await client.FlowRuns.ReadFlowRunsAsync(new FlowRunFilterRequest { FlowRuns = new FlowRunFilter { DeploymentId = new DeploymentIdFilter { Any = deployments } }, Limit = 30 });
        Assert.NotEmpty(runs);
        foreach (var run in runs)
        {
            var claims = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => client.FlowRuns.SetFlowRunStateAsync(run.Id, new StateCreate { Type = StateType.Pending, Name = "Pending" })));
            Assert.Single(claims, r => r.Status == SetStateStatus.Accept);
            Assert.Equal(2, claims.Count(r => r.Status == SetStateStatus.Abort));
        }
    }

    private async Task StartReplicaAsync()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "flows-deploy.dll"), "server", "start", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--database-url", _connectionString })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["FLOWS_HOME"] = Directory.CreateTempSubdirectory("flows-replica-").FullName;
        start.Environment["FLOWS_SCHEDULER_INTERVAL_SECONDS"] = "0.2";
        var server = Process.Start(start)!;
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        lock (_replicas)
        {
            _replicas.Add(server);
            _ports.Add(port);
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{port}/api/health")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not up yet
            }

            Assert.False(server.HasExited, $"replica on port {port} exited with {(server.HasExited ? server.ExitCode : 0)}");
            await Task.Delay(100);
        }

        throw new TimeoutException($"the replica on port {port} did not answer /health within 60 s");
    }

    /// <summary>A load balancer in the client: each request goes to the next replica.</summary>
    private sealed class RoundRobin(IReadOnlyList<int> ports) : DelegatingHandler(new HttpClientHandler())
    {
        private int _next = -1;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var port = ports[(int)((uint)Interlocked.Increment(ref _next) % (uint)ports.Count)];
            request.RequestUri = new UriBuilder(request.RequestUri!) { Port = port }.Uri;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
