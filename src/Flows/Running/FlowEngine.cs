using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Flows;

/// <summary>
/// Runs flows as flow runs: Pending → Running → Completed, Failed (the exception is logged) or Cancelled.
/// Generated interceptors call the typed overloads for direct calls; <see cref="RunAsync(FlowDescriptor, JsonObject?, FlowRunOptions?, CancellationToken)"/>
/// runs a flow by descriptor with JSON parameters (the local app and the deployed runner).
/// </summary>
public static class FlowEngine
{
    /// <summary>
    /// Runs <paramref name="flow"/> with JSON <paramref name="parameters"/>. Bad parameters throw
    /// <see cref="FlowParameterException"/> before any run exists; a flow that throws ends Failed and is returned,
    /// not rethrown.
    /// </summary>
    public static async Task<FlowRun> RunAsync(FlowDescriptor flow, JsonObject? parameters, FlowRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flow);
        using var document = JsonDocument.Parse(parameters?.ToJsonString() ?? "{}");
        var body = flow.Bind(document.RootElement);
        var run = Create(flow, flow.WithDefaults(parameters), options);
        var observer = options?.Observer;
        await NotifyAsync(observer, run, cancellationToken).ConfigureAwait(false);

        var previous = Flow.Enter(run);
        try
        {
            await SetStateAsync(run, Running(), observer, cancellationToken).ConfigureAwait(false);
            LogBeginning(run);
            try
            {
                run.Result = await body(cancellationToken).ConfigureAwait(false);
                await SetStateAsync(run, Completed(), observer, CancellationToken.None).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
            {
                run.Exception = e;
                await SetStateAsync(run, Cancelled(), observer, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                run.Exception = e;
                run.Logger.LogError(e, "Encountered exception during execution:");
                await SetStateAsync(run, Failed(e), observer, CancellationToken.None).ConfigureAwait(false);
            }

            LogFinished(run);
            return run;
        }
        finally
        {
            Flow.Exit(previous);
        }
    }

    /// <summary>Runs a direct call of a synchronous flow that returns a value. The flow's exception is rethrown.</summary>
    public static T Run<T>(FlowDescriptor flow, JsonObject parameters, Func<T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var run = Begin(flow, parameters, out var previous);
        try
        {
            var result = body();
            run.Result = result;
            End(run, null);
            return result;
        }
        catch (Exception e)
        {
            End(run, e);
            throw;
        }
        finally
        {
            Flow.Exit(previous);
        }
    }

    /// <summary>Runs a direct call of a synchronous flow that returns nothing.</summary>
    public static void Run(FlowDescriptor flow, JsonObject parameters, Action body)
    {
        ArgumentNullException.ThrowIfNull(body);
        Run<object?>(flow, parameters, () =>
        {
            body();
            return null;
        });
    }

    /// <summary>Runs a direct call of an asynchronous flow that returns a value.</summary>
    public static async Task<T> RunAsync<T>(FlowDescriptor flow, JsonObject parameters, Func<Task<T>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var run = Begin(flow, parameters, out var previous);
        try
        {
            var result = await body().ConfigureAwait(false);
            run.Result = result;
            End(run, null);
            return result;
        }
        catch (Exception e)
        {
            End(run, e);
            throw;
        }
        finally
        {
            Flow.Exit(previous);
        }
    }

    /// <summary>Runs a direct call of an asynchronous flow that returns nothing.</summary>
    public static Task RunAsync(FlowDescriptor flow, JsonObject parameters, Func<Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunAsync<object?>(flow, parameters, async () =>
        {
            await body().ConfigureAwait(false);
            return null;
        });
    }

    private static FlowRun Create(FlowDescriptor flow, JsonObject parameters, FlowRunOptions? options)
    {
        var tags = FlowTags.Current.Concat(options?.Tags ?? []).Distinct(StringComparer.Ordinal).ToArray();
        var run = new FlowRun(options?.Id ?? Guid.NewGuid(), options?.Name ?? FlowRunNames.Next(), flow.Name, tags, parameters, Flow.CurrentRun);
        run.SetState(new FlowRunState(StateType.Pending, "Pending", DateTimeOffset.UtcNow));
        return run;
    }

    private static FlowRun Begin(FlowDescriptor flow, JsonObject parameters, out FlowRun? previous)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var run = Create(flow, flow.WithDefaults(parameters), null);
        previous = Flow.Enter(run);
        run.SetState(Running());
        LogBeginning(run);
        return run;
    }

    private static void End(FlowRun run, Exception? exception)
    {
        if (exception is null)
        {
            run.SetState(Completed());
        }
        else
        {
            run.Exception = exception;
            run.Logger.LogError(exception, "Encountered exception during execution:");
            run.SetState(exception is OperationCanceledException ? Cancelled() : Failed(exception));
        }

        LogFinished(run);
    }

    private static async ValueTask SetStateAsync(FlowRun run, FlowRunState state, IFlowRunObserver? observer, CancellationToken cancellationToken)
    {
        run.SetState(state);
        await NotifyAsync(observer, run, cancellationToken).ConfigureAwait(false);
    }

    private static ValueTask NotifyAsync(IFlowRunObserver? observer, FlowRun run, CancellationToken cancellationToken) =>
        observer?.OnStateAsync(run, run.State, cancellationToken) ?? ValueTask.CompletedTask;

    private static void LogBeginning(FlowRun run)
    {
        if (run.Tags.Count == 0)
        {
            run.Logger.LogInformation("Beginning flow run '{FlowRunName}' for flow '{FlowName}'", run.Name, run.FlowName);
        }
        else
        {
            run.Logger.LogInformation("Beginning flow run '{FlowRunName}' for flow '{FlowName}' with tags {Tags}", run.Name, run.FlowName, "[" + string.Join(", ", run.Tags) + "]");
        }
    }

    private static void LogFinished(FlowRun run)
    {
        var level = run.State.Type == StateType.Completed ? LogLevel.Information : LogLevel.Error;
        run.Logger.Log(level, "Finished in state {State}", run.State.ToString());
    }

    private static FlowRunState Running() => new(StateType.Running, "Running", DateTimeOffset.UtcNow);

    private static FlowRunState Completed() => new(StateType.Completed, "Completed", DateTimeOffset.UtcNow);

    private static FlowRunState Cancelled() => new(StateType.Cancelled, "Cancelled", DateTimeOffset.UtcNow, "Flow run was cancelled");

    private static FlowRunState Failed(Exception e) =>
        new(StateType.Failed, "Failed", DateTimeOffset.UtcNow, $"Flow run encountered an exception: {e.GetType().Name}: {e.Message}");
}
