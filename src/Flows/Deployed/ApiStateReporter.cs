using Flows.Api.Client;
using Flows.Api.Models;
using ApiStateType = Flows.Api.Models.StateType;

namespace Flows.Deployed;

/// <summary>
/// Proposes a deployed run's local state changes to the API. Running is proposed until accepted (WAIT is
/// honoured with the delay the server gives); ABORT or REJECT stops the run before the flow starts.
/// </summary>
internal sealed class ApiStateReporter(PrefectClient client, Guid flowRunId, TextWriter output) : IFlowRunObserver
{
    /// <summary>When set (a termination signal), final states are not reported: the runner decides what to propose.</summary>
    public bool SuppressFinalStates { get; set; }

    /// <summary>Runs before a final state is proposed (the runner flushes the logs there).</summary>
    public Func<Task>? BeforeFinalState { get; set; }

    public async ValueTask OnStateAsync(FlowRun run, FlowRunState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        switch (state.Type)
        {
            case StateType.Pending:
                // The worker already proposed Pending when it claimed the run.
                return;
            case StateType.Running:
                await ProposeRunningAsync(cancellationToken).ConfigureAwait(false);
                return;
            default:
                if (state.IsFinal && SuppressFinalStates)
                {
                    return;
                }

                if (state.IsFinal && BeforeFinalState is { } before)
                {
                    await before().ConfigureAwait(false);
                }

                await ProposeAsync(new StateCreate { Type = Map(state.Type), Name = state.Name, Message = state.Message }, CancellationToken.None).ConfigureAwait(false);
                return;
        }
    }

    /// <summary>Proposes a state, forcing nothing; returns the server's decision.</summary>
    public Task<OrchestrationResult> ProposeAsync(StateCreate state, CancellationToken cancellationToken) =>
        client.FlowRuns.SetFlowRunStateAsync(flowRunId, state, force: false, cancellationToken);

    private async Task ProposeRunningAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await ProposeAsync(new StateCreate { Type = ApiStateType.Running, Name = "Running" }, cancellationToken).ConfigureAwait(false);
            switch (result.Status)
            {
                case SetStateStatus.Accept:
                    return;
                case SetStateStatus.Wait:
                    var delay = TimeSpan.FromSeconds(Math.Max(1, result.Details.DelaySeconds ?? 1));
                    await output.WriteLineAsync($"Flow run {flowRunId} is not ready to run yet ({result.Details.Reason}); waiting {delay.TotalSeconds:0}s.").ConfigureAwait(false);
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                    continue;
                default:
                    throw new FlowRunAbortedException($"the server answered {result.Status.ToString().ToUpperInvariant()} to Running: {result.Details.Reason ?? "no reason given"}");
            }
        }
    }

    private static ApiStateType Map(StateType type) => type switch
    {
        StateType.Scheduled => ApiStateType.Scheduled,
        StateType.Pending => ApiStateType.Pending,
        StateType.Running => ApiStateType.Running,
        StateType.Completed => ApiStateType.Completed,
        StateType.Failed => ApiStateType.Failed,
        StateType.Cancelled => ApiStateType.Cancelled,
        StateType.Crashed => ApiStateType.Crashed,
        StateType.Paused => ApiStateType.Paused,
        _ => ApiStateType.Cancelling,
    };
}
