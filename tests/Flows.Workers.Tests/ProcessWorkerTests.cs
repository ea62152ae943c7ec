using Flows.Api.Models;
using Flows.Workers.Process;

namespace Flows.Workers.Tests;

/// <summary>The worker with process infrastructure against the real server, running real processes.</summary>
public sealed class ProcessWorkerTests : IClassFixture<WorkerFixture>
{
    private readonly WorkerFixture _fixture;

    public ProcessWorkerTests(WorkerFixture fixture) => _fixture = fixture;

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private (FlowWorker Worker, Task Running, CancellationTokenSource Stop) Start(string pool, int? limit = null, TimeSpan? grace = null, TextWriter? output = null)
    {
        var options = new WorkerOptions { WorkPool = pool, Limit = limit, PollInterval = TimeSpan.FromMilliseconds(100), ShutdownGrace = grace ?? TimeSpan.FromSeconds(30) };
        var log = output ?? TextWriter.Null;
        var worker = new FlowWorker(_fixture.Client, options, new ProcessInfrastructure(log), log);
        var stop = new CancellationTokenSource();
        return (worker, worker.RunAsync(stop.Token), stop);
    }

    [Fact]
    public async Task The_hello_app_runs_as_a_process_and_its_runs_complete_with_logs()
    {
        var pool = Unique("pool");
        await _fixture.CreateProcessPoolAsync(pool);
        var app = WorkerFixture.HelloApp;
        var deployment = await _fixture.DeployAsync(pool, "hello", "arthur", $"dotnet \"{app}\"", "HelloFlows.cs:hello", """{ "name": "Arthur" }""", Path.GetDirectoryName(app));
        var runId = await _fixture.RunAsync(deployment);
        var (_, running, stop) = Start(pool);

        var run = await _fixture.WaitAsync(runId, WorkerFixture.IsFinal);
        await stop.CancelAsync();
        await running;

        Assert.Equal(StateType.Completed, run.StateType);
        Assert.False(string.IsNullOrEmpty(run.InfrastructurePid));
        var logs = await _fixture.Client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [runId] } } });
        Assert.Contains(logs, l => l.Message == "Hello, Arthur!");
        Assert.DoesNotContain(logs, l => l.Message.Contains("[local", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_process_that_dies_without_reporting_ends_crashed_with_its_exit_code()
    {
        var pool = Unique("pool");
        await _fixture.CreateProcessPoolAsync(pool);
        var deployment = await _fixture.DeployAsync(pool, "crash", "d", "sh -c 'echo dying >&2; exit 3'");
        var runId = await _fixture.RunAsync(deployment);
        var (_, running, stop) = Start(pool);

        var run = await _fixture.WaitAsync(runId, WorkerFixture.IsFinal);
        await stop.CancelAsync();
        await running;

        Assert.Equal(StateType.Crashed, run.StateType);
        Assert.Contains("non-zero status code 3", run.State!.Message, StringComparison.Ordinal);
        Assert.Contains("dying", run.State.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_workers_claim_each_run_exactly_once()
    {
        var pool = Unique("pool");
        await _fixture.CreateProcessPoolAsync(pool);
        var record = Path.Combine(_fixture.Home, Unique("claims") + ".txt");
        var deployment = await _fixture.DeployAsync(pool, "count", "d", $"sh -c 'echo $PREFECT__FLOW_RUN_ID >> {record}'");
        var runIds = new List<Guid>();
        for (var i = 0; i < 8; i++)
        {
            runIds.Add(await _fixture.RunAsync(deployment));
        }

        var a = Start(pool);
        var b = Start(pool);
        foreach (var id in runIds)
        {
            // The command exits 0 without reporting, so the run stays where the claim left it.
            await _fixture.WaitAsync(id, r => r.InfrastructurePid is not null);
        }

        await Task.WhenAll(a.Stop.CancelAsync(), b.Stop.CancelAsync());
        await Task.WhenAll(a.Running, b.Running);

        var lines = File.ReadAllLines(record).Select(Guid.Parse).ToList();
        Assert.Equal(runIds.Order(), lines.Order());
        Assert.Equal(8, a.Worker.Submitted + b.Worker.Submitted);
    }

    [Fact]
    public async Task The_concurrency_limit_holds()
    {
        var pool = Unique("pool");
        await _fixture.CreateProcessPoolAsync(pool);
        var record = Path.Combine(_fixture.Home, Unique("limit") + ".txt");
        var deployment = await _fixture.DeployAsync(pool, "limited", "d", $"sh -c 'echo start >> {record}; sleep 0.3; echo end >> {record}'");
        var runIds = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            runIds.Add(await _fixture.RunAsync(deployment));
        }

        var (_, running, stop) = Start(pool, limit: 1);
        foreach (var id in runIds)
        {
            await _fixture.WaitAsync(id, r => r.InfrastructurePid is not null);
        }

        // With limit 1 the third run starts only after the second ended: wait for its end line too.
        using (var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            while (File.ReadAllLines(record).Length < 6)
            {
                await Task.Delay(100, limit.Token);
            }
        }

        await stop.CancelAsync();
        await running;

        Assert.Equal(["start", "end", "start", "end", "start", "end"], File.ReadAllLines(record));
    }

    [Fact]
    public async Task A_cancelling_run_has_its_process_killed_and_ends_cancelled()
    {
        var pool = Unique("pool");
        await _fixture.CreateProcessPoolAsync(pool);
        var deployment = await _fixture.DeployAsync(pool, "sleepy", "d", "sleep 120");
        var runId = await _fixture.RunAsync(deployment);
        var (_, running, stop) = Start(pool);
        await _fixture.WaitAsync(runId, r => r.InfrastructurePid is not null);

        await _fixture.Client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Cancelling, Name = "Cancelling" });
        var run = await _fixture.WaitAsync(runId, WorkerFixture.IsFinal);
        await stop.CancelAsync();
        await running;

        Assert.Equal(StateType.Cancelled, run.StateType);
    }

    [Fact]
    public async Task Shutdown_waits_for_running_runs_then_marks_the_rest_crashed()
    {
        var pool = Unique("pool");
        await _fixture.CreateProcessPoolAsync(pool);
        var deployment = await _fixture.DeployAsync(pool, "long", "d", "sleep 120");
        var runId = await _fixture.RunAsync(deployment);
        var (_, running, stop) = Start(pool, grace: TimeSpan.FromMilliseconds(200));
        await _fixture.WaitAsync(runId, r => r.InfrastructurePid is not null);

        await stop.CancelAsync();
        await running;

        var run = await _fixture.Client.FlowRuns.ReadFlowRunAsync(runId);
        Assert.Equal(StateType.Crashed, run.StateType);
        Assert.Contains("shut down before the flow run finished", run.State!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_worker_heartbeats_and_is_listed_on_its_pool()
    {
        var pool = Unique("pool");
        await _fixture.CreateProcessPoolAsync(pool);
        var (worker, running, stop) = Start(pool);

        using (var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
        {
            while (!(await _fixture.Client.WorkPools.ReadWorkersAsync(pool, cancellationToken: limit.Token)).Any(w => w.Name == worker.Name))
            {
                await Task.Delay(100, limit.Token);
            }
        }

        await stop.CancelAsync();
        await running;
    }
}
