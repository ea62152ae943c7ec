using System.Text.Json;
using Flows.Api.Models;

namespace Flows.Api.Client;

/// <summary>Flow runs and their states.</summary>
public interface IFlowRunOperations
{
    /// <summary><c>GET /flow_runs/{id}</c>.</summary>
    Task<FlowRun> ReadFlowRunAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary><c>PATCH /flow_runs/{id}</c>.</summary>
    Task UpdateFlowRunAsync(Guid id, FlowRunUpdate update, CancellationToken cancellationToken = default);

    /// <summary><c>POST /flow_runs/filter</c>.</summary>
    Task<IReadOnlyList<FlowRun>> ReadFlowRunsAsync(FlowRunFilterRequest? filter = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /flow_runs/{id}/set_state</c>: proposes a state; the result says ACCEPT, REJECT (with the
    /// state the server chose instead), ABORT (e.g. another worker already claimed the run) or WAIT.
    /// Safe to retry: the proposal carries a <c>state_details.transition_id</c> (a new one unless the caller set
    /// one), and Prefect's <c>PreventDuplicateTransitions</c> rule, which our server applies too, answers a repeat
    /// of a transition that already landed with REJECT and the current state, whose transition id is ours; that
    /// answer is returned as the ACCEPT the lost first answer was.
    /// </summary>
    Task<OrchestrationResult> SetFlowRunStateAsync(Guid id, StateCreate state, bool force = false, CancellationToken cancellationToken = default);

    /// <summary><c>PATCH /flow_runs/{id}/labels</c>: merges labels into the run's.</summary>
    Task UpdateFlowRunLabelsAsync(Guid id, IDictionary<string, JsonElement> labels, CancellationToken cancellationToken = default);

    /// <summary><c>GET /flow_run_states/?flow_run_id=</c>: every state the run has been in.</summary>
    Task<IReadOnlyList<State>> ReadFlowRunStatesAsync(Guid flowRunId, CancellationToken cancellationToken = default);
}

internal sealed class FlowRunOperations(PrefectTransport transport) : IFlowRunOperations
{
    public Task<FlowRun> ReadFlowRunAsync(Guid id, CancellationToken cancellationToken = default)
        => transport.SendAsync<FlowRun>(HttpMethod.Get, $"flow_runs/{id}", null, idempotent: true, cancellationToken);

    public Task UpdateFlowRunAsync(Guid id, FlowRunUpdate update, CancellationToken cancellationToken = default)
        => transport.SendAsync(HttpMethod.Patch, $"flow_runs/{id}", update, idempotent: true, cancellationToken);

    public async Task<IReadOnlyList<FlowRun>> ReadFlowRunsAsync(FlowRunFilterRequest? filter = null, CancellationToken cancellationToken = default)
        => await transport.SendAsync<List<FlowRun>>(HttpMethod.Post, "flow_runs/filter", filter ?? new FlowRunFilterRequest(), idempotent: true, cancellationToken).ConfigureAwait(false);

    public async Task<OrchestrationResult> SetFlowRunStateAsync(Guid id, StateCreate state, bool force = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        var transitionId = state.StateDetails?.TransitionId ?? Guid.NewGuid();
        var proposal = state with { StateDetails = (state.StateDetails ?? new StateDetails()) with { TransitionId = transitionId } };
        var result = await transport.SendAsync<OrchestrationResult>(HttpMethod.Post, $"flow_runs/{id}/set_state",
            new SetStateRequest { State = proposal, Force = force }, idempotent: true, cancellationToken).ConfigureAwait(false);
        return result.Status == SetStateStatus.Reject && result.State?.StateDetails.TransitionId == transitionId
            ? result with { Status = SetStateStatus.Accept, Details = new OrchestrationDetails { Type = "accept_details", Reason = "An earlier attempt of this proposal was accepted." } }
            : result;
    }

    public Task UpdateFlowRunLabelsAsync(Guid id, IDictionary<string, JsonElement> labels, CancellationToken cancellationToken = default)
        => transport.SendAsync(HttpMethod.Patch, $"flow_runs/{id}/labels", labels, idempotent: true, cancellationToken);

    public async Task<IReadOnlyList<State>> ReadFlowRunStatesAsync(Guid flowRunId, CancellationToken cancellationToken = default)
        => await transport.SendAsync<List<State>>(HttpMethod.Get, $"flow_run_states/?flow_run_id={flowRunId}", null, idempotent: true, cancellationToken).ConfigureAwait(false);
}
