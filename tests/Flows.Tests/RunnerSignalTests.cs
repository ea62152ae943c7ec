using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Deployed;
using Flows.Server;
using ApiStateType = Flows.Api.Models.StateType;

using Flows.Testing;

namespace Flows.Tests;

/// <summary>
/// The in-image runner receiving a real SIGTERM: tests/Flows.Runner.TestApp runs as a child process
/// (<c>dotnet Flows.Runner.TestApp.dll</c> with <c>PREFECT__FLOW_RUN_ID</c>) against the real embedded server; once
/// its run is Running and its first log line has reached the API, the process is sent SIGTERM, and the exit code,
/// the run's final state and the shipped logs are read back. Waits are bounded by generous limits that fail the
/// test (they are not timing assertions).
/// </summary>
public sealed partial class RunnerSignalTests : IAsyncLifetime
{
    private const int Sigterm = 15;
    private static readonly TimeSpan StartLimit = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan ExitLimit = TimeSpan.FromMinutes(1);

    private TestServer _server = null!;

    private PrefectClient Client => _server.Client;

    private string Home => _server.Home;

    /// <summary>tests/Flows.Runner.TestApp's app, built by this test project's build (same configuration).</summary>
    private static string TestApp
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Deploy.Build.sln")))
                {
                    var app = Path.Combine(dir.FullName, "tests", "Flows.Runner.TestApp", "bin", configuration, "net10.0", "Flows.Runner.TestApp.dll");
                    return File.Exists(app) ? app : throw new FileNotFoundException("tests/Flows.Runner.TestApp was not built with this test project", app);
                }
            }

            throw new InvalidOperationException("repository root not found");
        }
    }

    public async Task InitializeAsync() => _server = await TestServer.StartAsync("flows-runner-signal-tests");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Sigterm_without_a_behavior_flushes_the_logs_then_crashes_the_run_and_exits_143()
    {
        var runId = await CreateClaimedRunAsync();

        var (code, output) = await RunAndTerminateAsync(runId, behavior: null);

        var run = await Client.FlowRuns.ReadFlowRunAsync(runId);
        Assert.True(code == DeployedRunner.TerminatedExitCode, $"exit code {code}, expected {DeployedRunner.TerminatedExitCode}; runner output:\n{output}");
        Assert.Equal(ApiStateType.Crashed, run.StateType);
        Assert.Equal("Crashed", run.State!.Name);
        Assert.Equal("Execution was aborted by a termination signal.", run.State.Message);
        await AssertLogsFlushedAsync(runId, output, before: run.State);
    }

    [Fact]
    public async Task Sigterm_with_reschedule_flushes_the_logs_then_proposes_AwaitingRetry_and_exits_0()
    {
        var runId = await CreateClaimedRunAsync();

        var (code, output) = await RunAndTerminateAsync(runId, behavior: "reschedule");

        var run = await Client.FlowRuns.ReadFlowRunAsync(runId);
        Assert.True(code == FlowsExitCodes.Success, $"exit code {code}, expected {FlowsExitCodes.Success}; runner output:\n{output}");
        Assert.Equal(ApiStateType.Scheduled, run.StateType);
        Assert.Equal("AwaitingRetry", run.State!.Name);
        await AssertLogsFlushedAsync(runId, output, before: run.State);
    }

    [Fact]
    public async Task Sigterm_with_relinquish_proposes_nothing_flushes_the_logs_and_exits_0()
    {
        var runId = await CreateClaimedRunAsync();

        var (code, output) = await RunAndTerminateAsync(runId, behavior: "relinquish");

        var run = await Client.FlowRuns.ReadFlowRunAsync(runId);
        Assert.True(code == FlowsExitCodes.Success, $"exit code {code}, expected {FlowsExitCodes.Success}; runner output:\n{output}");
        Assert.Equal(ApiStateType.Running, run.StateType);
        Assert.Equal("Running", run.State!.Name);
        await AssertLogsFlushedAsync(runId, output);
    }

    /// <summary>A run of the test app's <c>wait</c> flow from a deployment, claimed (Pending) as a worker would.</summary>
    private async Task<Guid> CreateClaimedRunAsync()
    {
        var flow = await Client.Flows.CreateFlowAsync(new FlowCreate { Name = "wait" });
        var deployment = await Client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "signal-" + Guid.NewGuid().ToString("N")[..8],
            FlowId = flow.Id,
            Entrypoint = "WaitFlows.cs:wait",
        });
        var run = await Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id, new DeploymentFlowRunCreate());
        await Client.FlowRuns.SetFlowRunStateAsync(run.Id, new StateCreate { Type = ApiStateType.Pending, Name = "Pending" });
        return run.Id;
    }

    /// <summary>
    /// Starts the runner for <paramref name="runId"/>, waits until the run is Running and "waiting" is in the API's
    /// logs, sends SIGTERM, and waits for the process to exit; returns its exit code and combined output.
    /// </summary>
    private async Task<(int Code, string Output)> RunAndTerminateAsync(Guid runId, string? behavior)
    {
        var output = new StringBuilder();
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(TestApp);
        start.Environment[DeployedRunner.FlowRunIdVariable] = runId.ToString();
        start.Environment[PrefectClientOptions.ApiUrlVariable] = _server.ApiUrl;
        start.Environment.Remove(PrefectClientOptions.ApiKeyVariable);
        start.Environment.Remove(DeployedRunner.SigtermBehaviorVariable);
        if (behavior is not null)
        {
            start.Environment[DeployedRunner.SigtermBehaviorVariable] = behavior;
        }

        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        Assert.True(process.Start(), "dotnet did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await WaitUntilWaitingAsync(runId, process, output);

            Assert.True(Kill(process.Id, Sigterm) == 0, $"kill({process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");

            using var exitLimit = new CancellationTokenSource(ExitLimit);
            try
            {
                await process.WaitForExitAsync(exitLimit.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"the runner did not exit within {ExitLimit.TotalSeconds:0}s of SIGTERM; its output:\n{Snapshot(output)}");
            }

            return (process.ExitCode, Snapshot(output));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
    }

    /// <summary>Polls the API until the run is Running and its "waiting" line has been shipped; fails past the limit or if the runner exits first.</summary>
    private async Task WaitUntilWaitingAsync(Guid runId, Process process, StringBuilder output)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                Assert.Fail($"the runner exited with {process.ExitCode} before the run was waiting; its output:\n{Snapshot(output)}");
            }

            var run = await Client.FlowRuns.ReadFlowRunAsync(runId);
            if (run.StateType == ApiStateType.Running && (await LogsAsync(runId)).Contains("waiting"))
            {
                return;
            }

            if (clock.Elapsed > StartLimit)
            {
                Assert.Fail($"the run was not Running with its \"waiting\" line in the API within {StartLimit.TotalSeconds:0}s (state {run.StateType}); runner output:\n{Snapshot(output)}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// The line logged before the signal and the one the flow logs while stopping (after the signal) both reached the
    /// API; with <paramref name="before"/>, every line was stored before that final state was (a run seen final has
    /// all its lines).
    /// </summary>
    private async Task AssertLogsFlushedAsync(Guid runId, string output, State? before = null)
    {
        var logs = await Client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [runId] } }, Limit = 200 });
        var messages = logs.Select(l => l.Message).ToList();
        Assert.True(messages.Contains("waiting") && messages.Contains("stopping"), $"API logs: [{string.Join(" | ", messages)}]; runner output:\n{output}");
        if (before is not null)
        {
            var late = logs.Where(l => l.Created > before.Timestamp).Select(l => $"'{l.Message}' at {l.Created:O}").ToList();
            Assert.True(late.Count == 0, $"stored after the {before.Name} state ({before.Timestamp:O}): {string.Join(", ", late)}");
        }
    }

    private async Task<IReadOnlyList<string>> LogsAsync(Guid runId) =>
        (await Client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [runId] } }, Limit = 200 }))
            .Select(l => l.Message).ToList();

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
