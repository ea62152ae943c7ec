using System.Globalization;
using Flows.Api.Client;
using Flows.Api.Models;

namespace Flows.Deployed;

/// <summary>
/// Sends the run's <c>prefect.flow-run.heartbeat</c> event every <see cref="Interval"/> while the flow runs, as Prefect's
/// runner does when <c>PREFECT_RUNNER_HEARTBEAT_FREQUENCY</c> is set (here it defaults to 30 s): the server tells a
/// live run from one whose process died by it. A heartbeat that cannot be sent is skipped; it never fails the run.
/// </summary>
internal sealed class RunnerHeartbeat : IAsyncDisposable
{
    /// <summary>Prefect's setting: seconds between heartbeats (Prefect's minimum is 30).</summary>
    public const string FrequencyVariable = "PREFECT_RUNNER_HEARTBEAT_FREQUENCY";

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RunnerHeartbeat(PrefectClient client, Guid flowRunId, string? flowRunName, TextWriter error, TimeSpan interval)
    {
        Interval = interval;
        _loop = Task.Run(() => LoopAsync(client, flowRunId, flowRunName, error));
    }

    public TimeSpan Interval { get; }

    /// <summary>The interval from <see cref="FrequencyVariable"/>, else 30 s.</summary>
    public static TimeSpan IntervalFromEnvironment(Func<string, string?>? getVariable = null)
    {
        var text = (getVariable ?? Environment.GetEnvironmentVariable)(FrequencyVariable);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromSeconds(30);
    }

    private async Task LoopAsync(PrefectClient client, Guid flowRunId, string? flowRunName, TextWriter error)
    {
        var warned = false;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await client.Events.EmitAsync([Event.FlowRunHeartbeat(flowRunId, flowRunName, DateTimeOffset.UtcNow)], _stop.Token).ConfigureAwait(false);
                await Task.Delay(Interval, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is PrefectApiException or HttpRequestException)
            {
                if (!warned)
                {
                    warned = true;
                    await error.WriteLineAsync($"warning FLOWS2103: could not send the flow run's heartbeat: {e.Message}").ConfigureAwait(false);
                }

                try
                {
                    await Task.Delay(Interval, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
