using System.Diagnostics;
using Flows.Api.Models;
using Flows.Testing;
using Flows.Workers.Process;

namespace Flows.Workers.Tests.Lean;

/// <summary>
/// samples/hello published trimmed and Native AOT (the runtime libraries are trim- and AOT-safe: the publish has no
/// warnings, which this repository treats as errors) runs a flow locally, and is the runner of a deployed run that the
/// process worker starts, against the real server: JSON to and from the API through the source-generated metadata.
/// </summary>
public sealed class LeanHelloTests : IClassFixture<WorkerFixture>
{
    private readonly WorkerFixture _fixture;

    public LeanHelloTests(WorkerFixture fixture) => _fixture = fixture;

    public static TheoryData<string> Kinds() => ["aot", "trimmed"];

    private static Task<string> AppAsync(string kind) => kind == "aot" ? LeanHello.AotAppAsync() : LeanHello.TrimmedAppAsync();

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task The_published_app_runs_a_flow_locally(string kind)
    {
        var app = await AppAsync(kind);
        var start = new ProcessStartInfo(app) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--name", "Ada" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{error}");
        Assert.Contains("Hello, Ada!", output, StringComparison.Ordinal);
        Assert.Contains("Finished in state Completed()", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task The_published_app_is_the_runner_of_a_deployed_run_and_completes_it(string kind)
    {
        var app = await AppAsync(kind);
        var pool = "lean-" + kind + "-" + Guid.NewGuid().ToString("N")[..8];
        await _fixture.CreateProcessPoolAsync(pool);
        // Prefect's workers' default command for an image that is the flows app: `prefect flow-run execute`.
        var deployment = await _fixture.DeployAsync(pool, "hello", "arthur", $"\"{app}\" prefect flow-run execute", "HelloFlows.cs:hello", """{ "name": "Arthur" }""", Path.GetDirectoryName(app));
        var runId = await _fixture.RunAsync(deployment);
        using var output = new StringWriter();
        var worker = new FlowWorker(_fixture.Client, new WorkerOptions { WorkPool = pool, PollInterval = TimeSpan.FromMilliseconds(100) }, new ProcessInfrastructure(output), output);
        using var stop = new CancellationTokenSource();
        var running = worker.RunAsync(stop.Token);

        var run = await _fixture.WaitAsync(runId, WorkerFixture.IsFinal);
        await stop.CancelAsync();
        await running;

        Assert.True(run.StateType == StateType.Completed, $"{run.StateType}: {run.State?.Message}\n{output}");
        var logs = await _fixture.Client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [runId] } } });
        Assert.Contains(logs, l => l.Message == "Hello, Arthur!");
    }
}
