using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flows.Server.Storage;

/// <summary>
/// Deletes log lines older than the retention (<see cref="FlowsServerOptions.LogRetention"/>, by their timestamp) at
/// start and then a tenth of the retention apart (1 s to 1 h), a bounded batch per transaction so the single SQLite
/// writer is never held long.
/// </summary>
internal sealed class LogRetentionLoop(Database database, TimeSpan retention, ILogger<LogRetentionLoop> logger) : BackgroundService
{
    private const int Batch = 5_000;

    /// <summary>Deletes lines timestamped before <paramref name="cutoff"/>; answers how many.</summary>
    public static async Task<long> PruneAsync(Database database, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            var deleted = await database.WriteAsync((c, t) => c.ExecuteAsync(t,
                $"DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE timestamp < @cutoff ORDER BY timestamp LIMIT {Batch})", ("cutoff", Rows.Time(cutoff))), cancellationToken).ConfigureAwait(false);
            total += deleted;
            if (deleted < Batch)
            {
                return total;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(Math.Clamp(retention.TotalSeconds / 10, 1, 3600));
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                if (await PruneAsync(database, DateTimeOffset.UtcNow - retention, stoppingToken).ConfigureAwait(false) is > 0 and var deleted)
                {
                    logger.LogInformation("Deleted {Count} log line(s) older than {Retention}", deleted, retention);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Deleting old log lines failed; retrying in {Interval}", interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
