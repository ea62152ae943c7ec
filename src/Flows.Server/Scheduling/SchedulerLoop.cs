using Flows.Server.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flows.Server.Scheduling;

/// <summary>Runs the <see cref="Scheduler"/> every interval while the server is up; a failure is logged, not fatal.</summary>
internal sealed class SchedulerLoop(Database database, TimeSpan interval, ILogger<SchedulerLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                await Scheduler.RunOnceAsync(database, stoppingToken, (deployment, e) =>
                    logger.LogWarning("Scheduling deployment '{Deployment}' ({Id}) failed: {Reason}", deployment.Name, deployment.Id, e.Message)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Scheduling runs failed; retrying in {Interval}", interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
