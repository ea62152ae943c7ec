using System.Globalization;
using Flows.Api.Client;
using Flows.Api.Models;

namespace Flows.Cli.Output;

/// <summary>
/// Follows flow runs through the API: prints their new log lines as they arrive (Prefect's console format) and
/// returns when every run is in a final state. Polling, because that is what the REST API offers.
/// </summary>
internal sealed class FlowRunWatcher(PrefectClient client, TextWriter output, TimeSpan? interval = null)
{
    private readonly TimeSpan _interval = interval ?? TimeSpan.FromMilliseconds(500);

    public async Task<IReadOnlyList<FlowRun>> WatchAsync(IReadOnlyList<Guid> runIds, bool showLogs, CancellationToken cancellationToken)
    {
        var offsets = runIds.ToDictionary(id => id, _ => 0);
        var states = new Dictionary<Guid, string>();
        while (true)
        {
            var runs = new List<FlowRun>();
            foreach (var id in runIds)
            {
                var run = await client.FlowRuns.ReadFlowRunAsync(id, cancellationToken).ConfigureAwait(false);
                runs.Add(run);
                if (showLogs)
                {
                    offsets[id] += await PrintNewLogsAsync(run, offsets[id], cancellationToken).ConfigureAwait(false);
                }

                var state = run.StateName ?? run.StateType?.ToString() ?? "?";
                if (!states.TryGetValue(id, out var previous) || previous != state)
                {
                    states[id] = state;
                    await output.WriteLineAsync($"{DateTimeOffset.Now:HH:mm:ss.fff} | flow run '{run.Name}' is {state}{(run.State?.Message is { Length: > 0 } m ? ": " + m : string.Empty)}").ConfigureAwait(false);
                }
            }

            if (runs.All(r => r.StateType?.IsTerminal() == true))
            {
                if (showLogs)
                {
                    // Lines shipped just before the final state may land after it: one more read.
                    foreach (var run in runs)
                    {
                        offsets[run.Id] += await PrintNewLogsAsync(run, offsets[run.Id], cancellationToken).ConfigureAwait(false);
                    }
                }

                return runs;
            }

            await Task.Delay(_interval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Prints all of a run's logs so far.</summary>
    public async Task PrintLogsOnceAsync(Guid runId, CancellationToken cancellationToken)
    {
        var run = await client.FlowRuns.ReadFlowRunAsync(runId, cancellationToken).ConfigureAwait(false);
        await PrintNewLogsAsync(run, 0, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> PrintNewLogsAsync(FlowRun run, int offset, CancellationToken cancellationToken)
    {
        var printed = 0;
        while (true)
        {
            var logs = await client.Logs.ReadLogsAsync(
                new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [run.Id] } }, Sort = "TIMESTAMP_ASC", Offset = offset + printed, Limit = 200 },
                cancellationToken).ConfigureAwait(false);
            foreach (var log in logs)
            {
                await output.WriteLineAsync($"{log.Timestamp.ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} | {Level(log.Level),-7} | Flow run '{run.Name}' - {log.Message}").ConfigureAwait(false);
            }

            printed += logs.Count;
            if (logs.Count < 200)
            {
                return printed;
            }
        }
    }

    private static string Level(int level) => level switch
    {
        <= LogLevels.Debug => "DEBUG",
        <= LogLevels.Info => "INFO",
        <= LogLevels.Warning => "WARNING",
        <= LogLevels.Error => "ERROR",
        _ => "CRITICAL",
    };
}
