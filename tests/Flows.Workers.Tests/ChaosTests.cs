using Flows.Testing;
using Xunit.Abstractions;

namespace Flows.Workers.Tests;

/// <summary>
/// A few dozen runs, on process, docker and kubernetes (fake node) workers, through dropped answers, an API outage, a server restart and a
/// worker restart: none lost, none Crashed, every log line stored once (<see cref="ChaosScenario"/>; bench/chaos runs
/// hundreds).
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Runs_through_dropped_answers_an_outage_and_restarts_all_complete_with_their_logs_once()
    {
        using var progress = new StringWriter();
        var result = await new ChaosScenario { HelloApp = WorkerFixture.HelloApp, Runs = 24, DockerWorkers = 1, KubernetesWorkers = 1, Progress = progress }.RunAsync();
        output.WriteLine(progress.ToString());
        output.WriteLine(result.ToString());

        Assert.True(result.Dropped > 0, "the proxy dropped answers: the faults were injected");
        Assert.True(result.Lost == 0 && result.Crashed.Count == 0 && result.Completed == result.Runs && result.LogLinesNotOnce == 0,
            $"{result}\nCrashed: {string.Join("\n", result.Crashed)}\n{progress}");
    }
}
