// Usage: dotnet run -c Release --project bench/ui -- [--runs 100000] [--logs 1000000] [--samples 40] [--store sqlite|postgresql|both] [--postgres "<Npgsql connection string>"]
// Seeds the store directly (SQLite: a prepared INSERT in big transactions; PostgreSQL: binary COPY) (the API would take minutes for a million lines), then asks
// the real server for each UI page over loopback and reports the server time it measured itself
// (Server-Timing: app;dur=…) and the client's wall time. One run in ten thousand-ish log lines: one "big" run
// holds 10% of all lines (the worst page), the rest are spread 9 per run. Fresh SQLite file / PostgreSQL schema.
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Flows.Api.Client;
using Flows.Api.Json;
using Flows.Api.Models;
using Flows.Server;
using Npgsql;

var runCount = Arg("--runs", 100_000);
var logCount = Arg("--logs", 1_000_000);
var samples = Arg("--samples", 40);
var store = ArgString("--store") ?? "both";
var postgres = ArgString("--postgres") ?? Environment.GetEnvironmentVariable("FLOWS_TEST_POSTGRES") ?? "Host=127.0.0.1;Port=5432;Username=flows;Password=flows;Database=flows";
Console.WriteLine($"runs={runCount} logs={logCount} samples/page={samples} cores={Environment.ProcessorCount}");

if (store is "sqlite" or "both")
{
    var dir = Path.Combine(Path.GetTempPath(), "flows-ui-bench-" + Guid.NewGuid().ToString("N"));
    try
    {
        await RunAsync("sqlite", $"sqlite:///{dir}/flows.db");
    }
    finally
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(dir, true); } catch (IOException) { }
    }
}

if (store is "postgresql" or "both")
{
    var schema = "uibench_" + Guid.NewGuid().ToString("N")[..10];
    try
    {
        await ExecAsync(postgres, $"CREATE SCHEMA {schema}");
        await RunAsync("postgresql", new NpgsqlConnectionStringBuilder(postgres) { SearchPath = schema }.ConnectionString);
    }
    catch (NpgsqlException ex)
    {
        Console.WriteLine($"postgresql not reachable ({ex.Message}): run `bash .ci/services.sh` or pass --postgres");
    }
    finally
    {
        try { await ExecAsync(postgres, $"DROP SCHEMA IF EXISTS {schema} CASCADE"); } catch (NpgsqlException) { }
    }
}

async Task RunAsync(string storeName, string databaseUrl)
{
    await using var host = await FlowsServer.StartAsync(new FlowsServerOptions { Port = 0, DatabaseUrl = databaseUrl, SchedulerInterval = TimeSpan.Zero });
    using var client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(host.ApiUrl.ToString()) });
    var seedClock = Stopwatch.StartNew();
    var flows = new List<Flow>();
    for (var i = 0; i < 10; i++)
    {
        flows.Add(await client.Flows.CreateFlowAsync(new FlowCreate { Name = $"flow-{i}" }));
    }

    foreach (var (pool, type) in new[] { ("kubernetes", "kubernetes"), ("process", "process"), ("docker", "docker") })
    {
        await client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = pool, Type = type });
        for (var w = 0; w < 3; w++)
        {
            await client.WorkPools.SendWorkerHeartbeatAsync(pool, new WorkerHeartbeat { Name = $"{pool}-worker-{w}" });
        }
    }

    var deployments = new List<DeploymentResponse>();
    for (var i = 0; i < 20; i++)
    {
        deployments.Add(await client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = $"deployment-{i}", FlowId = flows[i % flows.Count].Id, WorkPoolName = "kubernetes", Tags = ["eks", "abc1234"],
            JobVariables = new Dictionary<string, JsonElement> { ["image"] = JsonSerializer.SerializeToElement($"localhost:5000/hello:abc1234@sha256:{new string('0', 63)}{i % 10}") },
            ParameterOpenapiSchema = JsonDocument.Parse("""{"type":"object","properties":{"name":{"type":"string","default":"Marvin"}}}""").RootElement,
        }));
    }

    var (runIds, bigRun, smallRun) = await SeedAsync(host, deployments, runCount, logCount);
    if (host.Database.Kind == "postgresql")
    {
        // Autovacuum would analyze after a load this size; do it now rather than wait for it.
        await host.Database.WriteAsync(async (c, t) => { await Exec(c, t, "ANALYZE"); return 0; }, CancellationToken.None);
    }

    Console.WriteLine($"{storeName}: seeded {runCount} runs, {logCount} log lines in {seedClock.Elapsed.TotalSeconds:0.0} s");
    var middle = runIds[runIds.Count / 2];
    var bigLogs = await client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [bigRun] } }, Limit = 1, Offset = logCount / 20 });
    var deepCursor = $"after={Uri.EscapeDataString(bigLogs[0].Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture))}&after_id={bigLogs[0].Id}";
    var pages = new (string Name, string Path)[]
    {
        ("runs (dashboard)", "/"),
        ("runs ?state=FAILED", "/?state=FAILED"),
        ("runs, page at 50%", $"/?before={middle}"),
        ("runs COMPLETED at 50%", $"/?state=COMPLETED&before={middle}"),
        ("deployments", "/deployments"),
        ("deployment page", $"/deployments/{deployments[3].Id}"),
        ("run, 100k-line logs", $"/runs/{bigRun}"),
        ("run, 100k, ?tail=1", $"/runs/{bigRun}?tail=1"),
        ("run, 100k, ?level=40", $"/runs/{bigRun}?level=40"),
        ("run, 100k, at 50%", $"/runs/{bigRun}?{deepCursor}"),
        ("run, 9 lines", $"/runs/{smallRun}"),
        ("work pools", "/work-pools"),
    };
    using var http = new HttpClient { BaseAddress = new Uri(host.ApiUrl.GetLeftPart(UriPartial.Authority)) };
    Console.WriteLine($"{"store",-11} {"page",-24} {"server p50",10} {"server p95",10} {"client p95",10} {"KiB",7}");
    foreach (var (name, path) in pages)
    {
        var server = new List<double>();
        var wall = new List<double>();
        long bytes = 0;
        for (var i = 0; i < samples + 3; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await http.GetAsync(path);
            var body = await response.Content.ReadAsByteArrayAsync();
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}");
            }

            if (i < 3)
            {
                continue; // warm-up: JIT, connection pool, page cache
            }

            var timing = response.Headers.GetValues("Server-Timing").Single();
            server.Add(double.Parse(timing[(timing.IndexOf("dur=", StringComparison.Ordinal) + 4)..], CultureInfo.InvariantCulture));
            wall.Add(elapsed);
            bytes = body.Length;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{storeName,-11} {name,-24} {P(server, 0.50),10:0.0} {P(server, 0.95),10:0.0} {P(wall, 0.95),10:0.0} {bytes / 1024.0,7:0}"));
    }

    // The live tail's poll: the JSON API, no new lines since the last one seen.
    var tailBody = JsonSerializer.Serialize(new
    {
        logs = new { flow_run_id = new { any_ = new[] { bigRun } }, timestamp = new { after_ = DateTimeOffset.UtcNow.AddHours(1) } },
        sort = "TIMESTAMP_ASC", limit = 200,
    });
    var tail = new List<double>();
    for (var i = 0; i < samples + 3; i++)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.PostAsync("/api/logs/filter", new StringContent(tailBody, Encoding.UTF8, "application/json"));
        await response.Content.ReadAsByteArrayAsync();
        response.EnsureSuccessStatusCode();
        if (i >= 3)
        {
            tail.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{storeName,-11} {"live tail poll (API)",-24} {"",10} {"",10} {P(tail, 0.95),10:0.0}"));
}

static double P(List<double> values, double q)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
}

// Runs over the last 30 days with UUIDv7 ids from their creation time (as the server makes them), 1 to 4
// states each, and the log lines; written straight into the server's own tables and columns.
static async Task<(List<Guid> RunIds, Guid BigRun, Guid SmallRun)> SeedAsync(FlowsServerHost host, List<DeploymentResponse> deployments, int runCount, int logCount)
{
    var random = new Random(42);
    var now = DateTimeOffset.UtcNow;
    var start = now.AddDays(-30);
    var poolId = (await new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(host.ApiUrl.ToString()) }).WorkPools.ReadWorkPoolAsync("kubernetes")).Id;
    StateType[] finals = [StateType.Completed, StateType.Completed, StateType.Completed, StateType.Completed, StateType.Completed, StateType.Completed, StateType.Completed, StateType.Failed, StateType.Crashed, StateType.Cancelled, StateType.Running, StateType.Scheduled];
    var runs = new List<object?[]>(runCount);
    var states = new List<object?[]>(runCount * 3);
    var ids = new List<Guid>(runCount);
    for (var i = 0; i < runCount; i++)
    {
        var created = start + TimeSpan.FromTicks((now - start).Ticks / runCount * i);
        var id = Guid.CreateVersion7(created);
        var deployment = deployments[random.Next(deployments.Count)];
        var final = i == runCount - 1 ? StateType.Completed : finals[random.Next(finals.Length)];
        var path = final switch
        {
            StateType.Scheduled => [StateType.Scheduled],
            StateType.Running => [StateType.Scheduled, StateType.Pending, StateType.Running],
            _ => new[] { StateType.Scheduled, StateType.Pending, StateType.Running, final },
        };
        State? last = null;
        for (var s = 0; s < path.Length; s++)
        {
            last = new State { Id = Guid.CreateVersion7(created.AddSeconds(s)), Type = path[s], Name = path[s].ToString(), Timestamp = created.AddSeconds(s), StateDetails = new StateDetails { FlowRunId = id } };
            states.Add([last.Id.ToString(), id.ToString(), Text(last.Timestamp!.Value), JsonSerializer.Serialize(last, PrefectJson.Options)]);
        }

        var startTime = path.Length > 2 ? created.AddSeconds(2) : (DateTimeOffset?)null;
        var endTime = final.IsTerminal() ? created.AddSeconds(3) : (DateTimeOffset?)null;
        var run = new FlowRun
        {
            Id = id, Created = created, Updated = created, Name = $"run-{i}", FlowId = deployment.FlowId, DeploymentId = deployment.Id, WorkPoolId = poolId,
            WorkPoolName = "kubernetes", WorkQueueName = "default", Tags = deployment.Tags, State = last, StateId = last!.Id, StateType = final, StateName = final.ToString(),
            ExpectedStartTime = created, StartTime = startTime, EndTime = endTime, InfrastructurePid = startTime is null ? null : $"flows/job-{i}",
            Parameters = new Dictionary<string, JsonElement> { ["name"] = JsonSerializer.SerializeToElement("Arthur") },
            JobVariables = deployment.JobVariables,
        };
        runs.Add([id.ToString(), deployment.FlowId.ToString(), deployment.Id.ToString(), poolId.ToString(), null, "default", run.Name, "|eks|abc1234|",
            final.ToString().ToUpperInvariant(), final.ToString(), Text(created), final == StateType.Scheduled ? Text(created) : null, startTime is { } st ? Text(st) : null,
            endTime is { } et ? Text(et) : null, null, 0, Text(created), JsonSerializer.Serialize(run, PrefectJson.Options)]);
        ids.Add(id);
    }

    await InsertAsync(host, "flow_runs", "id, flow_id, deployment_id, work_pool_id, work_queue_id, work_queue_name, name, tags, state_type, state_name, expected_start_time, next_scheduled_start_time, start_time, end_time, idempotency_key, auto_scheduled, created, body", runs);
    runs.Clear();
    await InsertAsync(host, "flow_run_states", "id, flow_run_id, timestamp, body", states);
    states.Clear();

    var bigRun = ids[^1];
    var bigCount = logCount / 10;
    var logs = new List<object?[]>(100_000);
    var written = 0;
    async Task FlushAsync()
    {
        await InsertAsync(host, "logs", "id, flow_run_id, task_run_id, level, timestamp, message, body", logs);
        logs.Clear();
    }

    void AddLog(Guid runId, DateTimeOffset at, int level, string message)
    {
        var log = new Log { Id = Guid.CreateVersion7(at), Created = at, Updated = at, Name = "flows.run", Level = level, Message = message, Timestamp = at, FlowRunId = runId };
        logs.Add([log.Id.ToString(), runId.ToString(), null, level, Text(at), message, JsonSerializer.Serialize(log, PrefectJson.Options)]);
        written++;
    }

    var bigStart = now.AddHours(-2);
    for (var i = 0; i < bigCount; i++)
    {
        AddLog(bigRun, bigStart.AddMilliseconds(i * 50), i % 100 == 0 ? 40 : i % 10 == 0 ? 30 : 20, $"Processed item {i} of {bigCount}");
        if (logs.Count == 100_000)
        {
            await FlushAsync();
        }
    }

    for (var r = 0; written < logCount; r = (r + 1) % (ids.Count - 1))
    {
        var created = start + TimeSpan.FromTicks((now - start).Ticks / runCount * r);
        for (var k = 0; k < 9 && written < logCount; k++)
        {
            AddLog(ids[r], created.AddMilliseconds(2000 + (k * 10)), k == 8 && r % 12 == 7 ? 40 : 20, k == 4 ? "Hello, Arthur!" : $"step {k} of run-{r}");
        }

        if (logs.Count >= 100_000)
        {
            await FlushAsync();
        }
    }

    await FlushAsync();
    return (ids, bigRun, ids[0]);
}

static string Text(DateTimeOffset value) => UtcDateTimeOffsetConverter.ToText(value);

static async Task InsertAsync(FlowsServerHost host, string table, string columns, List<object?[]> rows)
{
    if (rows.Count == 0)
    {
        return;
    }

    var width = rows[0].Length;
    await host.Database.WriteAsync(async (c, t) =>
    {
        if (c is NpgsqlConnection npgsql)
        {
            // PostgreSQL: binary COPY, the bulk path.
            await using var import = await npgsql.BeginBinaryImportAsync($"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)");
            foreach (var row in rows)
            {
                await import.StartRowAsync();
                foreach (var value in row)
                {
                    switch (value)
                    {
                        case null: await import.WriteNullAsync(); break;
                        case int n: await import.WriteAsync(n, NpgsqlTypes.NpgsqlDbType.Integer); break;
                        default: await import.WriteAsync((string)value, NpgsqlTypes.NpgsqlDbType.Text); break;
                    }
                }
            }

            await import.CompleteAsync();
            return 0;
        }

        // SQLite: one prepared single-row INSERT, rebound per row, in one transaction (SQLite's fast path).
        await using var command = c.CreateCommand();
        command.Transaction = t;
        command.CommandText = $"INSERT INTO {table} ({columns}) VALUES ({string.Join(", ", Enumerable.Range(0, width).Select(k => "@p" + k.ToString(CultureInfo.InvariantCulture)))})";
        var parameters = Enumerable.Range(0, width).Select(k =>
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@p" + k.ToString(CultureInfo.InvariantCulture);
            command.Parameters.Add(parameter);
            return parameter;
        }).ToArray();
        await command.PrepareAsync();
        foreach (var row in rows)
        {
            for (var k = 0; k < width; k++)
            {
                parameters[k].Value = row[k] ?? DBNull.Value;
            }

            await command.ExecuteNonQueryAsync();
        }

        return 0;
    }, CancellationToken.None);
}

static async Task Exec(DbConnection c, DbTransaction t, string sql)
{
    await using var command = c.CreateCommand();
    command.Transaction = t;
    command.CommandText = sql;
    await command.ExecuteNonQueryAsync();
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
