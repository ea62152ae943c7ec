using Flows.Server.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flows.Server.Orchestration;

/// <summary>Runs the <see cref="OrphanSweeper"/> while the server is up, a tenth of the timeout apart (1 to 30 s).</summary>
internal sealed class OrphanSweeperLoop(Database database, TimeSpan timeout, ILogger<OrphanSweeperLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(Math.Clamp(timeout.TotalSeconds / 10, 1, 30));
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                if (await OrphanSweeper.RunOnceAsync(database, timeout, DateTimeOffset.UtcNow, stoppingToken).ConfigureAwait(false) is > 0 and var crashed)
                {
                    logger.LogWarning("Marked {Count} orphaned flow run(s) Crashed (runner and workers silent for {Timeout})", crashed, timeout);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Looking for orphaned flow runs failed; retrying in {Interval}", interval);
            }
        }
    }
}
