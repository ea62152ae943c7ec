namespace Flows;

/// <summary>Follows a run's states: the deployed runner reports them to the API through this.</summary>
public interface IFlowRunObserver
{
    /// <summary>Called after the run entered <paramref name="state"/>.</summary>
    ValueTask OnStateAsync(FlowRun run, FlowRunState state, CancellationToken cancellationToken);
}
