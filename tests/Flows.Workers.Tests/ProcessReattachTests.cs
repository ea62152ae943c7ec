using System.Diagnostics;
using Flows.Api.Models;
using Flows.Workers.Process;

namespace Flows.Workers.Tests;

/// <summary>
/// Process runs a worker left behind when it died (Running, with the <c>host:pid:start</c> it recorded): the next
/// worker of the pool watches a surviving process to its end, reports a gone one, and leaves another host's alone.
/// </summary>
public sealed class ProcessReattachTests : IClassFixture<WorkerFixture>
{
    private readonly WorkerFixture _fixture;

    public ProcessReattachTests(WorkerFixture fixture) => _fixture = fixture;

    private async Task<Guid> RunningRunAsync(Guid deploymentId, string infrastructureId)
    {
        var runId = await _fixture.RunAsync(deploymentId);
        await _fixture.Client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Pending, Name = "Pending" });
        await _fixture.Client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Running, Name = "Running" });
        await _fixture.Client.FlowRuns.UpdateFlowRunAsync(runId, new FlowRunUpdate { InfrastructurePid = infrastructureId });
        return runId;
    }

    [Fact]
    public async Task A_surviving_process_is_watched_to_its_end_a_gone_one_is_reported_and_another_hosts_is_left_alone()
    {
        var pool = "orphans-" + Guid.NewGuid().ToString("N")[..8];
        await _fixture.CreateProcessPoolAsync(pool);
        var deployment = await _fixture.DeployAsync(pool, "left-behind", "d", "sh -c 'exit 0'");
        using var survivor = System.Diagnostics.Process.Start(new ProcessStartInfo("sleep", "3") { UseShellExecute = false })!;
        var survivorRun = await RunningRunAsync(deployment, ProcessIdentity.Of(survivor.Id).ToString());
        var goneRun = await RunningRunAsync(deployment, $"{Environment.MachineName}:{int.MaxValue - 7}:1");
        var remoteRun = await RunningRunAsync(deployment, "another-host:4242:99");

        using var output = new StringWriter();
        var options = new WorkerOptions { WorkPool = pool, PollInterval = TimeSpan.FromMilliseconds(100) };
        var worker = new FlowWorker(_fixture.Client, options, new ProcessInfrastructure(output) { ReattachPollInterval = TimeSpan.FromMilliseconds(100) }, output);
        using var stop = new CancellationTokenSource();
        var running = worker.RunAsync(stop.Token);

        var gone = await _fixture.WaitAsync(goneRun, WorkerFixture.IsFinal);
        var watched = await _fixture.WaitAsync(survivorRun, WorkerFixture.IsFinal);
        var survivorEndedFirst = survivor.HasExited;
        await stop.CancelAsync();
        await running;

        Assert.Equal(StateType.Crashed, gone.StateType);
        Assert.Contains("is gone", gone.State!.Message, StringComparison.Ordinal);
        Assert.Equal(StateType.Crashed, watched.StateType);
        Assert.Contains("ended while no worker watched it", watched.State!.Message, StringComparison.Ordinal);
        Assert.True(survivorEndedFirst, "the run was judged only after its process ended");
        Assert.Equal(StateType.Running, (await _fixture.Client.FlowRuns.ReadFlowRunAsync(remoteRun)).StateType);
    }

    [Theory]
    [InlineData("host:42:123", "host", 42, 123L)]
    [InlineData("host:42", "host", 42, null)]
    public void The_identity_reads_prefects_host_pid_and_our_start_time(string text, string host, int pid, long? start)
    {
        Assert.Equal(new ProcessIdentity(host, pid, start), ProcessIdentity.Parse(text));
        Assert.Equal(text, ProcessIdentity.Parse(text)!.ToString());
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("host:x")]
    [InlineData("a:1:2:3")]
    public void Anything_else_is_not_a_process_identity(string text) => Assert.Null(ProcessIdentity.Parse(text));

    [Fact]
    public void A_live_process_is_alive_and_the_same_pid_with_another_start_time_is_not()
    {
        var self = ProcessIdentity.Of(Environment.ProcessId);
        Assert.True(self.IsAlive());
        Assert.NotNull(self.StartTicks);
        Assert.False((self with { StartTicks = self.StartTicks + 1 }).IsAlive());
    }
}
