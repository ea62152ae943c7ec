using Microsoft.Extensions.Logging;

namespace Flows.Runner.TestApp;

/// <summary>A flow that runs until it is cancelled, so a test can signal the process while the run is Running.</summary>
public static class WaitFlows
{
    /// <summary>Logs "waiting", waits until cancelled, then logs "stopping" (a line written after the signal).</summary>
    [Flow("wait")]
    public static async Task Wait(CancellationToken cancellationToken)
    {
        var logger = Flow.GetRunLogger();
        logger.LogInformation("waiting");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("stopping");
            throw;
        }
    }
}
