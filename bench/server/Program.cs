// Usage: dotnet run -c Release --project bench/server -- [--requests 3000] [--concurrency 8] [--postgres "<Npgsql connection string>"]
// Starts the real server on 127.0.0.1 (ephemeral port) once per store and drives it over loopback HTTP.
// Bounded: a fixed number of requests per phase; every run uses a fresh SQLite file / PostgreSQL schema.
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Server;
using Npgsql;

var requests = Arg("--requests", 3000);
var concurrency = Arg("--concurrency", 8);
var postgres = ArgString("--postgres") ?? Environment.GetEnvironmentVariable("FLOWS_TEST_POSTGRES") ?? "Host=127.0.0.1;Port=5432;Username=flows;Password=flows;Database=flows";

Console.WriteLine($"requests={requests} concurrency={concurrency} cores={Environment.ProcessorCount}");
Console.WriteLine($"{"store",-11} {"operation",-24} {"req/s",9} {"p50 ms",8} {"p99 ms",8} {"max ms",8}");
var dir = Path.Combine(Path.GetTempPath(), "flows-bench-" + Guid.NewGuid().ToString("N"));
await RunAsync("sqlite", $"sqlite:///{dir}/flows.db");
string? schema = null;
try
{
    schema = "bench_" + Guid.NewGuid().ToString("N")[..10];
    await ExecAsync(postgres, $"CREATE SCHEMA {schema}");
    await RunAsync("postgresql", new NpgsqlConnectionStringBuilder(postgres) { SearchPath = schema, MaxPoolSize = 50 }.ConnectionString);
}
catch (NpgsqlException ex)
{
    Console.WriteLine($"postgresql  not reachable ({ex.Message}): run `bash .ci/services.sh` or pass --postgres");
}
finally
{
    if (schema is not null)
    {
        try { await ExecAsync(postgres, $"DROP SCHEMA IF EXISTS {schema} CASCADE"); } catch (NpgsqlException) { }
    }

    try { Directory.Delete(dir, true); } catch (IOException) { }
}

async Task RunAsync(string store, string databaseUrl)
{
    await using var host = await FlowsServer.StartAsync(new FlowsServerOptions { Port = 0, DatabaseUrl = databaseUrl, SchedulerInterval = TimeSpan.Zero });
    using var client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(host.ApiUrl.ToString()) });
    var flow = await client.Flows.CreateFlowAsync(new FlowCreate { Name = "bench" });
    var pool = await client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = "bench", Type = "kubernetes" });
    var deployment = await client.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = "default", FlowId = flow.Id, WorkPoolName = pool.Name });
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = new Uri(host.ApiUrl + "/") };
    var createBody = Encoding.UTF8.GetBytes("""{"parameters":{"who":"bench"},"tags":["bench"]}""");
    var pollBody = Encoding.UTF8.GetBytes("""{"limit":10}""");

    await MeasureAsync(http, $"deployments/{deployment.Id}/create_flow_run", createBody, requests / 10, null, null); // warm-up
    await MeasureAsync(http, $"deployments/{deployment.Id}/create_flow_run", createBody, requests, store, "create_flow_run");
    await MeasureAsync(http, $"work_pools/{pool.Name}/get_scheduled_flow_runs", pollBody, requests, store, "get_scheduled_flow_runs");
}

async Task MeasureAsync(HttpClient http, string path, byte[] body, int count, string? store, string? name)
{
    var latencies = new double[count];
    var next = -1;
    var total = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < count)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var started = Stopwatch.GetTimestamp();
            using var response = await http.PostAsync(path, content);
            await response.Content.ReadAsByteArrayAsync();
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}");
            }
        }
    }));
    total.Stop();
    if (name is null)
    {
        return;
    }

    Array.Sort(latencies);
    double P(double q) => latencies[Math.Min(count - 1, (int)Math.Ceiling(q * count) - 1)];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{store,-11} {name,-24} {count / total.Elapsed.TotalSeconds,9:0} {P(0.50),8:0.00} {P(0.99),8:0.00} {latencies[^1],8:0.00}"));
}

static async Task ExecAsync(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    await command.ExecuteNonQueryAsync();
}

int Arg(string name, int fallback) => ArgString(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

string? ArgString(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
