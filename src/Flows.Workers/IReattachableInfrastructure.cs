namespace Flows.Workers;

/// <summary>
/// An infrastructure whose runs outlive the worker (a Kubernetes Job runs on without it). On shutdown the worker
/// detaches from such runs instead of stopping them and marking them Crashed; on start it re-attaches to its pool's
/// runs that are Pending, Running or Cancelling with an infrastructure id, by submitting them again: the
/// infrastructure finds what it created for the run and watches that instead of creating another.
/// </summary>
public interface IReattachableInfrastructure : IFlowRunInfrastructure
{
    /// <summary>
    /// As <see cref="IFlowRunInfrastructure.RunAsync"/>, and <paramref name="detach"/> stops only the watching: the
    /// infrastructure keeps running and the result is null. <paramref name="cancellationToken"/> still stops it.
    /// </summary>
    Task<InfrastructureResult?> RunAsync(FlowRunJob job, Func<string, Task> started, CancellationToken detach, CancellationToken cancellationToken);
}
