using System.Collections.Concurrent;
using System.Text;
using Flows.Api.Client;
using Flows.Api.Models;
using Microsoft.Extensions.Logging;

namespace Flows.Deployed;

/// <summary>
/// Ships a deployed run's log records to <c>POST /logs/</c> in batches bounded by count, bytes and time, so a
/// chatty flow makes few requests and a quiet one still shows its lines within a couple of seconds.
/// <see cref="DisposeAsync"/> flushes whatever is left, which the runner does on every way out.
/// </summary>
internal sealed class ApiLogShipper : IFlowLogSink, IAsyncDisposable
{
    /// <summary>Prefect's logger name for flow run logs (the UI groups by it).</summary>
    public const string LoggerName = "prefect.flow_runs";

    private readonly PrefectClient _client;
    private readonly Guid _flowRunId;
    private readonly TextWriter _error;
    private readonly ConcurrentQueue<LogCreate> _queue = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private bool _reportedFailure;
    private List<LogCreate>? _unsent;

    public ApiLogShipper(PrefectClient client, Guid flowRunId, TextWriter error, int maxBatchCount = 200, int maxBatchBytes = 1_000_000, TimeSpan? interval = null)
    {
        _client = client;
        _flowRunId = flowRunId;
        _error = error;
        MaxBatchCount = maxBatchCount;
        MaxBatchBytes = maxBatchBytes;
        Interval = interval ?? TimeSpan.FromSeconds(2);
        _loop = Task.Run(LoopAsync);
    }

    public int MaxBatchCount { get; }

    public int MaxBatchBytes { get; }

    public TimeSpan Interval { get; }

    /// <summary>Batches sent so far (for tests and the bench).</summary>
    public int BatchesSent { get; private set; }

    public void Write(FlowLogRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var message = record.Exception is null ? record.Message : record.Message + Environment.NewLine + record.Exception;

        // Child runs started inside a deployed run are local to this process; their lines belong to the API run.
        _queue.Enqueue(new LogCreate
        {
            Name = LoggerName,
            Level = Level(record.Level),
            Message = message,
            Timestamp = record.Timestamp,
            FlowRunId = _flowRunId,
        });
        if (_queue.Count >= MaxBatchCount)
        {
            _signal.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        if (_unsent is { } lost)
        {
            await _error.WriteLineAsync($"warning FLOWS2102: {lost.Count + _queue.Count} log line(s) were not sent: the API did not answer.").ConfigureAwait(false);
        }

        _stop.Dispose();
        _signal.Dispose();
        _sending.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(Interval, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await FlushAsync(_stop.Token).ConfigureAwait(false);
        }
    }

    /// <summary>Sends everything queued so far (the runner calls it before proposing a final state, so a run that is
    /// final has all its lines).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        // One sender at a time keeps batches in order.
        await _sending.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await SendQueuedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sending.Release();
        }
    }

    private async Task SendQueuedAsync(CancellationToken cancellationToken)
    {
        while (_unsent is not null || !_queue.IsEmpty)
        {
            // A batch the API did not take is sent again first, as it was: the server's content-derived log ids
            // make a batch whose first answer was lost harmless to repeat, and order is kept.
            var batch = _unsent ?? NextBatch();
            _unsent = null;
            try
            {
                await _client.Logs.CreateLogsAsync(batch, cancellationToken).ConfigureAwait(false);
                BatchesSent++;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping: the final flush (uncancelled) sends it.
                _unsent = batch;
                return;
            }
            catch (Exception e) when (e is PrefectApiException or HttpRequestException or TaskCanceledException)
            {
                // The client's own retries are spent (the API has been unreachable for its outage budget). Keep the
                // batch for the next flush; the last flush gives up on it. Logs never fail the run.
                _unsent = batch;
                if (!_reportedFailure)
                {
                    _reportedFailure = true;
                    await _error.WriteLineAsync($"warning FLOWS2101: could not send {batch.Count} log line(s) to the API yet: {e.Message}").ConfigureAwait(false);
                }

                return;
            }
        }
    }

    private List<LogCreate> NextBatch()
    {
        var batch = new List<LogCreate>();
        var bytes = 0;
        while (batch.Count < MaxBatchCount && _queue.TryPeek(out var next))
        {
            var size = Encoding.UTF8.GetByteCount(next.Message) + 128;
            if (batch.Count > 0 && bytes + size > MaxBatchBytes)
            {
                break;
            }

            _queue.TryDequeue(out _);
            batch.Add(next);
            bytes += size;
        }

        return batch;
    }

    private static int Level(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => LogLevels.Debug,
        LogLevel.Information => LogLevels.Info,
        LogLevel.Warning => LogLevels.Warning,
        LogLevel.Error => LogLevels.Error,
        _ => LogLevels.Critical,
    };
}
