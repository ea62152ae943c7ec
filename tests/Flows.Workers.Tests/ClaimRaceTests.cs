using System.Text.Json;
using Flows.Api.Client;
using Flows.Workers.Process;

namespace Flows.Workers.Tests;

/// <summary>
/// Exactly-once submission when two workers really race for the same runs: both are held after their first
/// poll until each has the same scheduled runs in hand, so every run gets two Pending proposals at the real
/// server, and only the accepted one may start a process.
/// </summary>
public sealed class ClaimRaceTests : IClassFixture<WorkerFixture>
{
    private const int Runs = 8;
    private readonly WorkerFixture _fixture;

    public ClaimRaceTests(WorkerFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task Two_workers_holding_the_same_scheduled_runs_submit_each_exactly_once()
    {
        var pool = "race-" + Guid.NewGuid().ToString("N")[..8];
        await _fixture.CreateProcessPoolAsync(pool);
        var record = Path.Combine(_fixture.Home, pool + ".txt");
        var deployment = await _fixture.DeployAsync(pool, "race", "d", $"sh -c 'echo $PREFECT__FLOW_RUN_ID >> {record}'");
        var runIds = new List<Guid>();
        for (var i = 0; i < Runs; i++)
        {
            runIds.Add(await _fixture.RunAsync(deployment));
        }

        var race = new PollBarrier(parties: 2);
        using var handlerA = new RaceHandler(race);
        using var handlerB = new RaceHandler(race);
        using var clientA = new PrefectClient(_fixture.Client.Options, handlerA);
        using var clientB = new PrefectClient(_fixture.Client.Options, handlerB);
        var options = new WorkerOptions { WorkPool = pool, PollInterval = TimeSpan.FromMilliseconds(100) };
        var a = new FlowWorker(clientA, options, new ProcessInfrastructure(TextWriter.Null), TextWriter.Null);
        var b = new FlowWorker(clientB, options, new ProcessInfrastructure(TextWriter.Null), TextWriter.Null);
        using var stop = new CancellationTokenSource();
        var running = Task.WhenAll(a.RunAsync(stop.Token), b.RunAsync(stop.Token));

        foreach (var id in runIds)
        {
            // The command exits 0 without reporting, so the run stays where the claim left it, with its pid recorded.
            await _fixture.WaitAsync(id, r => r.InfrastructurePid is not null);
        }

        await stop.CancelAsync();
        await running;

        Assert.Equal(Runs, handlerA.ScheduledSeenInFirstPoll);
        Assert.Equal(Runs, handlerB.ScheduledSeenInFirstPoll);
        Assert.Equal(Runs, handlerA.PendingAccepted + handlerB.PendingAccepted);
        Assert.Equal(Runs, handlerA.PendingAborted + handlerB.PendingAborted);
        Assert.Equal(Runs, a.Submitted + b.Submitted);
        Assert.Equal(runIds.Order(), File.ReadAllLines(record).Select(Guid.Parse).Order());
    }

    /// <summary>Releases the first poll of each party only when all parties have their response.</summary>
    private sealed class PollBarrier(int parties)
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _arrived;

        public Task ArriveAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _arrived) == parties)
            {
                _all.TrySetResult();
            }

            return _all.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Holds the first non-empty poll at the barrier and counts the Pending verdicts the server gives this worker.</summary>
    private sealed class RaceHandler(PollBarrier barrier) : DelegatingHandler(new HttpClientHandler())
    {
        private int _held;

        public int ScheduledSeenInFirstPoll { get; private set; }

        private int _accepted;
        private int _aborted;

        public int PendingAccepted => _accepted;

        public int PendingAborted => _aborted;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            var proposesPending = path.EndsWith("/set_state", StringComparison.Ordinal)
                && request.Content is not null
                && JsonDocument.Parse(await request.Content.ReadAsStringAsync(cancellationToken)).RootElement.GetProperty("state").GetProperty("type").GetString() == "PENDING";
            var response = await base.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken); // read here, and again by the client
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (path.EndsWith("/get_scheduled_flow_runs", StringComparison.Ordinal))
            {
                var count = JsonDocument.Parse(body).RootElement.GetArrayLength();
                if (count > 0 && Interlocked.Exchange(ref _held, 1) == 0)
                {
                    ScheduledSeenInFirstPoll = count;
                    await barrier.ArriveAsync(cancellationToken);
                }
            }
            else if (proposesPending)
            {
                var status = JsonDocument.Parse(body).RootElement.GetProperty("status").GetString();
                if (status == "ACCEPT")
                {
                    Interlocked.Increment(ref _accepted);
                }
                else if (status == "ABORT")
                {
                    Interlocked.Increment(ref _aborted);
                }
            }

            return response;
        }
    }
}
