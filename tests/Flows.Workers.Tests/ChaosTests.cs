using Flows.Testing;
using Xunit.Abstractions;

namespace Flows.Workers.Tests;

/// <summary>
/// A few dozen runs, on process, docker and kubernetes (fake node) workers, through dropped answers, an API outage, a
/// SIGKILL of the `flows-deploy server start` process and its restart, and a
/// worker restart: none lost, none Crashed, every log line stored once (<see cref="ChaosScenario"/>; bench/chaos runs
/// hundreds).
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    /// <summary>src/Flows.Cli's build next to samples/hello's (same configuration), built by this test project's build.</summary>
    private static string FlowsDeployDll
    {
        get
        {
            var framework = new FileInfo(WorkerFixture.HelloApp).Directory!; // samples/hello/bin/<configuration>/net10.0
            var root = framework.Parent!.Parent!.Parent!.Parent!.Parent!;
            var dll = Path.Combine(root.FullName, "src", "Flows.Cli", "bin", framework.Parent.Name, framework.Name, "flows-deploy.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("src/Flows.Cli was not built with this test project", dll);
        }
    }

    [Fact]
    public async Task Runs_through_dropped_answers_an_outage_and_restarts_all_complete_with_their_logs_once()
    {
        using var progress = new StringWriter();
        var result = await new ChaosScenario { HelloApp = WorkerFixture.HelloApp, Runs = 24, DockerWorkers = 1, KubernetesWorkers = 1, ServerCommand = FlowsDeployDll, Progress = progress }.RunAsync();
        output.WriteLine(progress.ToString());
        output.WriteLine(result.ToString());

        Assert.True(result.Dropped > 0, "the proxy dropped answers: the faults were injected");
        Assert.True(result.Lost == 0 && result.Crashed.Count == 0 && result.Completed == result.Runs && result.LogLinesNotOnce == 0,
            $"{result}\nCrashed: {string.Join("\n", result.Crashed)}\n{progress}");
    }
}
