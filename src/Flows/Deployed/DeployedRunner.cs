using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Api.Client;
using Flows.Api.Models;
using ApiStateType = Flows.Api.Models.StateType;

namespace Flows.Deployed;

/// <summary>
/// Executes a flow run created through the API, as <c>prefect flow-run execute</c> does: the worker starts the
/// app with <c>PREFECT__FLOW_RUN_ID</c>, and this reads the run and its deployment, runs the pull steps,
/// proposes Running, invokes the entrypoint's flow with the run's parameters, ships the logs, and proposes the
/// final state. Prefect's own workers can run our images because this is their protocol.
/// </summary>
public static class DeployedRunner
{
    /// <summary>Set by workers to the flow run to execute.</summary>
    public const string FlowRunIdVariable = "PREFECT__FLOW_RUN_ID";

    /// <summary>What a termination signal does: unset = Crashed, <c>reschedule</c> = AwaitingRetry, <c>relinquish</c> = nothing.</summary>
    public const string SigtermBehaviorVariable = "PREFECT_FLOW_RUN_EXECUTE_SIGTERM_BEHAVIOR";

    /// <summary>The exit code after a termination signal that left the run Crashed (128 + SIGTERM).</summary>
    public const int TerminatedExitCode = 143;

    /// <summary>Runs flow run <paramref name="flowRunId"/>; returns the process exit code.</summary>
    public static async Task<int> RunAsync(Guid flowRunId, PrefectClient client, TextWriter output, TextWriter error, string? sigtermBehavior = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        Api.Models.FlowRun apiRun;
        try
        {
            apiRun = await client.FlowRuns.ReadFlowRunAsync(flowRunId, cancellationToken).ConfigureAwait(false);
        }
        catch (PrefectApiException e)
        {
            await error.WriteLineAsync($"error FLOWS2201: cannot read flow run {flowRunId} from {client.Options.ApiUrl}: {e.Message}").ConfigureAwait(false);
            return FlowsExitCodes.RunFailed;
        }

        var reporter = new ApiStateReporter(client, flowRunId, output);
        var shipper = new ApiLogShipper(client, flowRunId, error);
        reporter.BeforeFinalState = () => shipper.FlushAsync(CancellationToken.None);
        FlowLogging.AddSink(shipper);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var terminated = false;
        using var sigterm = RegisterSigterm(() =>
        {
            terminated = true;
            reporter.SuppressFinalStates = true;
            linked.Cancel();
        });
        try
        {
            FlowDescriptor flow;
            JsonObject parameters;
            try
            {
                var (flowName, entrypoint, pullSteps) = await ReadTargetAsync(client, apiRun, cancellationToken).ConfigureAwait(false);
                PullSteps.Run(pullSteps, output);
                flow = FlowCatalog.Find(flowName) ?? throw new InvalidOperationException(
                    $"FLOWS2206: flow '{flowName}' (entrypoint '{entrypoint}') is not in this app; it has: {string.Join(", ", FlowCatalog.All.Select(f => f.Name))}. Fix: deploy the image built from the project that defines it.");
                parameters = ToJsonObject(apiRun.Parameters);
            }
            catch (Exception e) when (e is InvalidOperationException or PrefectApiException or IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync("error " + e.Message).ConfigureAwait(false);
                await reporter.ProposeAsync(new StateCreate { Type = ApiStateType.Crashed, Name = "Crashed", Message = e.Message }, CancellationToken.None).ConfigureAwait(false);
                return FlowsExitCodes.RunFailed;
            }

            FlowRun run;
            try
            {
                var options = new FlowRunOptions { Id = flowRunId, Name = apiRun.Name, Tags = [.. apiRun.Tags], Observer = reporter };
                await using var heartbeat = new RunnerHeartbeat(client, flowRunId, apiRun.Name, error, RunnerHeartbeat.IntervalFromEnvironment());
                using (FlowTags.Clear())
                {
                    run = await FlowEngine.RunAsync(flow, parameters, options, linked.Token).ConfigureAwait(false);
                }
            }
            catch (FlowParameterException e)
            {
                var message = $"Validation of flow parameters failed with error: {e.Message}";
                await error.WriteLineAsync("error FLOWS2001: " + e.Message).ConfigureAwait(false);
                await reporter.ProposeAsync(new StateCreate { Type = ApiStateType.Failed, Name = "Failed", Message = message }, CancellationToken.None).ConfigureAwait(false);
                return FlowsExitCodes.RunFailed;
            }
            catch (FlowRunAbortedException e)
            {
                await output.WriteLineAsync($"Flow run {flowRunId} was not started: {e.Message}").ConfigureAwait(false);
                return FlowsExitCodes.Success;
            }

            if (terminated)
            {
                // As before any final state: a run seen Crashed or AwaitingRetry already has all its lines.
                await shipper.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                return await OnTerminatedAsync(reporter, sigtermBehavior, output).ConfigureAwait(false);
            }

            return run.State.Type == StateType.Completed ? FlowsExitCodes.Success : FlowsExitCodes.RunFailed;
        }
        finally
        {
            FlowLogging.RemoveSink(shipper);
            await shipper.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<(string FlowName, string? Entrypoint, JsonElement? PullSteps)> ReadTargetAsync(PrefectClient client, Api.Models.FlowRun run, CancellationToken cancellationToken)
    {
        if (run.DeploymentId is { } deploymentId)
        {
            var deployment = await client.Deployments.ReadDeploymentAsync(deploymentId, cancellationToken).ConfigureAwait(false);
            if (deployment.Entrypoint is { Length: > 0 } entrypoint)
            {
                // "path/to/File.cs:flow_name": the part after the last ':' names the flow.
                var colon = entrypoint.LastIndexOf(':');
                var name = colon >= 0 ? entrypoint[(colon + 1)..] : entrypoint;
                return (name, entrypoint, deployment.PullSteps);
            }

            var deploymentFlow = await client.Flows.ReadFlowAsync(deployment.FlowId, cancellationToken).ConfigureAwait(false);
            return (deploymentFlow.Name, null, deployment.PullSteps);
        }

        var flow = await client.Flows.ReadFlowAsync(run.FlowId, cancellationToken).ConfigureAwait(false);
        return (flow.Name, null, null);
    }

    private static async Task<int> OnTerminatedAsync(ApiStateReporter reporter, string? behavior, TextWriter output)
    {
        switch (behavior?.Trim().ToLowerInvariant())
        {
            case "reschedule":
                await output.WriteLineAsync("Termination signal received: rescheduling the flow run (AwaitingRetry).").ConfigureAwait(false);
                await reporter.ProposeAsync(
                    new StateCreate { Type = ApiStateType.Scheduled, Name = "AwaitingRetry", Message = "Rescheduled by a termination signal.", StateDetails = new StateDetails { ScheduledTime = DateTimeOffset.UtcNow } },
                    CancellationToken.None).ConfigureAwait(false);
                return FlowsExitCodes.Success;
            case "relinquish":
                await output.WriteLineAsync("Termination signal received: relinquishing the flow run.").ConfigureAwait(false);
                return FlowsExitCodes.Success;
            default:
                await reporter.ProposeAsync(
                    new StateCreate { Type = ApiStateType.Crashed, Name = "Crashed", Message = "Execution was aborted by a termination signal." },
                    CancellationToken.None).ConfigureAwait(false);
                return TerminatedExitCode;
        }
    }

    private static JsonObject ToJsonObject(IDictionary<string, JsonElement> parameters)
    {
        var result = new JsonObject();
        foreach (var (name, value) in parameters)
        {
            result[name] = JsonNode.Parse(value.GetRawText());
        }

        return result;
    }

    private static IDisposable? RegisterSigterm(Action onSignal)
    {
        try
        {
            return PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                // Keep the process alive long enough to report the state and flush the logs.
                context.Cancel = true;
                onSignal();
            });
        }
        catch (PlatformNotSupportedException)
        {
            return null;
        }
    }
}
