using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Api.Client;
using Flows.Api.Json;
using Flows.Api.Models;
using Flows.Api.WorkPools;
using Flows.Workers.Rendering;

namespace Flows.Workers;

/// <summary>
/// Prefect's worker loop: heartbeat; poll the pool for scheduled runs; claim each by proposing Pending (ABORT
/// means another worker has it); render its job configuration; hand it to the infrastructure; record the
/// infrastructure id; and when the infrastructure ends without the run reaching a final state, mark it Crashed
/// with the reason. Runs in Cancelling are stopped and marked Cancelled. On shutdown no new run is claimed and
/// running ones get <see cref="WorkerOptions.ShutdownGrace"/> to finish.
/// </summary>
public sealed class FlowWorker
{
    private readonly PrefectClient _client;
    private readonly WorkerOptions _options;
    private readonly IFlowRunInfrastructure _infrastructure;
    private readonly TextWriter _output;
    private readonly ConcurrentDictionary<Guid, (Task Task, CancellationTokenSource Stop, CancellationTokenSource Detach)> _running = new();

    public FlowWorker(PrefectClient client, WorkerOptions options, IFlowRunInfrastructure infrastructure, TextWriter output)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _infrastructure = infrastructure ?? throw new ArgumentNullException(nameof(infrastructure));
        _output = output ?? throw new ArgumentNullException(nameof(output));
        Name = options.Name ?? $"{infrastructure.Type}-{Environment.MachineName.ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..8]}";
    }

    public string Name { get; }

    /// <summary>Flow runs this worker has submitted (for tests and logs).</summary>
    public int Submitted => _submitted;

    private int _submitted;

    /// <summary>Works until <paramref name="cancellationToken"/> is cancelled, then shuts down gracefully.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        WorkPool pool;
        try
        {
            pool = await ReadPoolWhenReachableAsync(_client, _options.WorkPool, Say, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped while still waiting for the API (an outage, or a server not up yet): nothing was claimed, so
            // stopping is all there is to do, as graceful as a stop at any later point.
            Say("Worker stopped before it reached the API.");
            return;
        }

        if (!string.Equals(pool.Type, _infrastructure.Type, StringComparison.Ordinal))
        {
            Say($"warning: work pool '{pool.Name}' is of type '{pool.Type}' but this worker runs '{_infrastructure.Type}'.");
        }

        Say($"Worker '{Name}' started on work pool '{pool.Name}' ({_infrastructure.Type}{(_options.Limit is { } l ? $", limit {l}" : string.Empty)}).");
        using var stopHeartbeat = new CancellationTokenSource();
        var heartbeat = HeartbeatLoopAsync(stopHeartbeat.Token);
        try
        {
            await ReattachAsync(pool, cancellationToken).ConfigureAwait(false);

            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    // Read every loop: an edited base job template or a paused pool applies to the next run.
                    pool = await _client.WorkPools.ReadWorkPoolAsync(_options.WorkPool, cancellationToken).ConfigureAwait(false);
                    await PollOnceAsync(pool, cancellationToken).ConfigureAwait(false);
                    _options.Health?.RecordPoll();
                    await CheckCancellingAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is PrefectApiException or HttpRequestException)
                {
                    // The server may be restarting: keep the runs we have and try again next poll.
                    Say($"warning: polling '{pool.Name}' failed: {e.Message}");
                }

                try
                {
                    await Task.Delay(_options.PollInterval, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }

        await ShutdownAsync().ConfigureAwait(false);
        await stopHeartbeat.CancelAsync().ConfigureAwait(false);
        await heartbeat.ConfigureAwait(false);
    }

    /// <summary>One poll: claim and submit what the limit allows.</summary>
    public async Task PollOnceAsync(WorkPool pool, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var free = _options.Limit is { } limit ? limit - _running.Count : 100;
        if (free <= 0)
        {
            return;
        }

        var scheduled = await _client.WorkPools.GetScheduledFlowRunsAsync(pool.Name, new GetScheduledFlowRunsRequest
        {
            ScheduledBefore = DateTimeOffset.UtcNow + _options.Prefetch,
            Limit = free,
            WorkQueueNames = _options.WorkQueues.Count > 0 ? [.. _options.WorkQueues] : null,
        }, cancellationToken).ConfigureAwait(false);
        foreach (var item in scheduled)
        {
            var run = item.FlowRun;
            if (_running.ContainsKey(run.Id) || (_options.Limit is { } max && _running.Count >= max))
            {
                continue;
            }

            var claim = await _client.FlowRuns.SetFlowRunStateAsync(run.Id, new StateCreate { Type = StateType.Pending, Name = "Pending" }, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (claim.Status != SetStateStatus.Accept)
            {
                continue; // ABORT: another worker claimed it first.
            }

            Submit(pool, run);
        }
    }

    private void Submit(WorkPool pool, FlowRun run, bool reattach = false)
    {
        var stop = new CancellationTokenSource();
        var detach = new CancellationTokenSource();
        _running[run.Id] = (Task.Run(() => ExecuteAsync(pool, run, reattach, stop.Token, detach.Token), CancellationToken.None), stop, detach);
        Interlocked.Increment(ref _submitted);
    }

    /// <summary>
    /// Takes back the pool's runs a previous worker left behind (Pending, Running or Cancelling with an infrastructure
    /// id, every one of the pool, paged): each is submitted again and the infrastructure attaches to what it created
    /// for the run (a Job by its label, a container by its id, a process by its pid and start time) or, when that is
    /// gone, says so and the run is marked Crashed with the reason. Another live worker of the pool may be watching
    /// the same run; a second watcher creates nothing and only proposes a final state when the run has none.
    /// </summary>
    private async Task ReattachAsync(WorkPool pool, CancellationToken cancellationToken)
    {
        var runs = new List<FlowRun>();
        try
        {
            const int page = 200;
            for (var offset = 0; ; offset += page)
            {
                var batch = await _client.FlowRuns.ReadFlowRunsAsync(new FlowRunFilterRequest
                {
                    FlowRuns = new FlowRunFilter { State = new FlowRunStateFilter { Type = new StateTypeFilter { Any = [StateType.Pending, StateType.Running, StateType.Cancelling] } } },
                    WorkPools = new WorkPoolFilter { Name = new AnyStringFilter { Any = [pool.Name] } },
                    Sort = "ID_DESC",
                    Offset = offset,
                    Limit = page,
                }, cancellationToken).ConfigureAwait(false);
                runs.AddRange(batch);
                if (batch.Count < page)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is PrefectApiException or HttpRequestException)
        {
            Say($"warning: could not look for runs to re-attach to: {e.Message}");
            return;
        }

        foreach (var run in runs.Where(r => r.WorkPoolName == pool.Name && !string.IsNullOrEmpty(r.InfrastructurePid) && !_running.ContainsKey(r.Id)
            && _infrastructure.CanReattach(r.InfrastructurePid!)))
        {
            Say($"Re-attaching to flow run '{run.Name}' ({run.Id}, {run.StateName}) on {run.InfrastructurePid}.");
            Submit(pool, run, reattach: true);
        }
    }

    private async Task ExecuteAsync(WorkPool pool, FlowRun run, bool reattach, CancellationToken stop, CancellationToken detach)
    {
        try
        {
            Say($"Submitting flow run '{run.Name}' ({run.Id}).");
            var job = await PrepareAsync(pool, run, stop).ConfigureAwait(false);
            if (reattach)
            {
                job = job with { ExistingInfrastructureId = run.InfrastructurePid };
            }

            var result = _infrastructure is IReattachableInfrastructure reattachable
                ? await reattachable.RunAsync(job, id => RecordInfrastructureAsync(run.Id, id), detach, stop).ConfigureAwait(false)
                : await _infrastructure.RunAsync(job, id => RecordInfrastructureAsync(run.Id, id), stop).ConfigureAwait(false);
            if (result is null)
            {
                Say($"Detached from flow run '{run.Name}': its infrastructure keeps running; the next worker of pool '{pool.Name}' re-attaches to it.");
                return;
            }

            await FinishAsync(run, result).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !(stop.IsCancellationRequested || detach.IsCancellationRequested))
        {
            Say($"error: flow run '{run.Name}' could not be run: {e.Message}");
            await ProposeQuietlyAsync(run.Id, new StateCreate { Type = StateType.Crashed, Name = "Crashed", Message = $"Flow run could not be submitted to infrastructure: {e.Message}" }).ConfigureAwait(false);
        }
        finally
        {
            if (_running.TryRemove(run.Id, out var entry))
            {
                entry.Stop.Dispose();
                entry.Detach.Dispose();
            }
        }
    }

    /// <summary>Renders the job configuration and the runner's environment for <paramref name="run"/>.</summary>
    public async Task<FlowRunJob> PrepareAsync(WorkPool pool, FlowRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(run);
        var template = pool.BaseJobTemplate is { } t ? JsonNode.Parse(t.GetRawText())!.AsObject() : [];
        JsonObject? deploymentVariables = null;
        IDictionary<string, JsonElement>? deploymentJobVariables = null;
        var context = new JsonObject
        {
            ["flow_run"] = new JsonObject { ["id"] = run.Id.ToString(), ["name"] = run.Name },
            ["work_pool"] = new JsonObject { ["name"] = pool.Name, ["type"] = pool.Type },
        };
        var flow = await _client.Flows.ReadFlowAsync(run.FlowId, cancellationToken).ConfigureAwait(false);
        context["flow"] = new JsonObject { ["id"] = flow.Id.ToString(), ["name"] = flow.Name };
        var runContext = new FlowRunContext { FlowId = flow.Id, FlowName = flow.Name, WorkPoolId = pool.Id, WorkPoolName = pool.Name, WorkerName = Name };
        if (run.DeploymentId is { } deploymentId)
        {
            var deployment = await _client.Deployments.ReadDeploymentAsync(deploymentId, cancellationToken).ConfigureAwait(false);
            deploymentJobVariables = deployment.JobVariables;
            deploymentVariables = ToObject(deployment.JobVariables);
            context["deployment"] = new JsonObject { ["id"] = deployment.Id.ToString(), ["name"] = deployment.Name };
            runContext = runContext with { DeploymentId = deployment.Id, DeploymentName = deployment.Name };
        }

        if (ProtectedJobVariables.Refused(pool, run.JobVariables, deploymentJobVariables) is { Count: > 0 } refused)
        {
            // Our server refuses such a run; one that got here anyway (a Prefect server) is not run as asked.
            throw new InvalidOperationException($"{WorkerDiagnosticCodes.ProtectedJobVariable}: {ProtectedJobVariables.Explain(pool, refused)}");
        }

        var configuration = JobConfigurationRenderer.Render(template, deploymentVariables, ToObject(run.JobVariables), context);

        // References the deploy engine left in job_variables (ctx.*, prefect.variables.*) are resolved now, at run time.
        configuration = await RunTimeReferences.ResolveAsync(configuration, context, _client.Variables, cancellationToken).ConfigureAwait(false);

        if (configuration["name"] is null)
        {
            configuration["name"] = run.Name;
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (configuration["env"] is JsonObject env)
        {
            foreach (var (key, value) in env)
            {
                if (value is not null)
                {
                    environment[key] = value is JsonValue v && v.TryGetValue<string>(out var text) ? text : value.ToJsonString();
                }
            }
        }

        environment["PREFECT__FLOW_RUN_ID"] = run.Id.ToString();
        environment[PrefectClientOptions.ApiUrlVariable] = _client.Options.ApiUrl.ToString();
        if (_client.Options.ApiKey is { } apiKey)
        {
            environment[PrefectClientOptions.ApiKeyVariable] = apiKey;
        }

        return new FlowRunJob(run.Id, run.Name ?? run.Id.ToString(), configuration, environment, runContext);
    }

    private async Task RecordInfrastructureAsync(Guid runId, string infrastructureId)
    {
        try
        {
            await _client.FlowRuns.UpdateFlowRunAsync(runId, new FlowRunUpdate { InfrastructurePid = infrastructureId }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PrefectApiException or HttpRequestException)
        {
            Say($"warning: could not record infrastructure '{infrastructureId}' for flow run {runId}: {e.Message}");
        }
    }

    private async Task FinishAsync(FlowRun run, InfrastructureResult result)
    {
        var current = await _client.FlowRuns.ReadFlowRunAsync(run.Id).ConfigureAwait(false);
        if (current.StateType == StateType.Cancelling)
        {
            await ProposeQuietlyAsync(run.Id, new StateCreate { Type = StateType.Cancelled, Name = "Cancelled", Message = "The flow run was cancelled; its infrastructure was stopped." }).ConfigureAwait(false);
            Say($"Flow run '{run.Name}' cancelled.");
            return;
        }

        if (current.StateType?.IsTerminal() == true)
        {
            Say($"Flow run '{run.Name}' ended {current.StateName} (infrastructure exit code {result.ExitCode}).");
            return;
        }

        if (!result.Succeeded)
        {
            // The runner never reported a final state: the infrastructure died under it.
            var message = $"Flow run infrastructure exited with non-zero status code {result.ExitCode}{(result.Reason is { } r ? $" ({r})" : string.Empty)}.";
            await ProposeQuietlyAsync(run.Id, new StateCreate { Type = StateType.Crashed, Name = "Crashed", Message = message }).ConfigureAwait(false);
            Say($"Flow run '{run.Name}' crashed: {message}");
            await LogQuietlyAsync(run.Id, message).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Puts the worker's verdict in the run's own logs too (OOMKilled, Evicted, a pod that never started): the runner
    /// died before it could say anything, and the run's logs are where people look first.
    /// </summary>
    private async Task LogQuietlyAsync(Guid runId, string message)
    {
        try
        {
            await _client.Logs.CreateLogsAsync([new LogCreate { Name = "prefect.flow_runs.worker", Level = 40, Message = message, Timestamp = DateTimeOffset.UtcNow, FlowRunId = runId }]).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PrefectApiException or HttpRequestException)
        {
            Say($"warning: could not add the crash reason to the logs of flow run {runId}: {e.Message}");
        }
    }

    /// <summary>One filter call per poll (per 200 runs): which of this worker's runs were asked to cancel.</summary>
    private async Task CheckCancellingAsync(CancellationToken cancellationToken)
    {
        var ids = _running.Keys.ToList();
        if (ids.Count == 0)
        {
            return;
        }

        var cancelling = new List<FlowRun>();
        foreach (var chunk in ids.Chunk(200)) // Prefect's page limit
        {
            cancelling.AddRange(await _client.FlowRuns.ReadFlowRunsAsync(new FlowRunFilterRequest
            {
                FlowRuns = new FlowRunFilter { Id = new IdFilter { Any = chunk }, State = new FlowRunStateFilter { Type = new StateTypeFilter { Any = [StateType.Cancelling] } } },
                Limit = chunk.Length,
            }, cancellationToken).ConfigureAwait(false));
        }

        foreach (var run in cancelling)
        {
            if (run.StateType == StateType.Cancelling && _running.TryGetValue(run.Id, out var entry) && !entry.Stop.IsCancellationRequested)
            {
                Say($"Cancelling flow run '{run.Name}': stopping its infrastructure.");
                await entry.Stop.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task ShutdownAsync()
    {
        var running = _running.Values.Select(r => r.Task).ToArray();
        if (running.Length == 0)
        {
            return;
        }

        Say($"Shutting down: waiting up to {_options.ShutdownGrace.TotalSeconds:0}s for {running.Length} running flow run(s).");
        var all = Task.WhenAll(running);
        if (await Task.WhenAny(all, Task.Delay(_options.ShutdownGrace)).ConfigureAwait(false) == all)
        {
            return;
        }

        if (_infrastructure is IReattachableInfrastructure)
        {
            // The runs go on without us (a Kubernetes Job does not need its worker): stop watching, mark nothing.
            foreach (var (_, entry) in _running)
            {
                await entry.Detach.CancelAsync().ConfigureAwait(false);
            }

            await all.ConfigureAwait(false);
            return;
        }

        foreach (var (id, entry) in _running)
        {
            await entry.Stop.CancelAsync().ConfigureAwait(false);
            await ProposeQuietlyAsync(id, new StateCreate { Type = StateType.Crashed, Name = "Crashed", Message = $"Worker '{Name}' shut down before the flow run finished." }).ConfigureAwait(false);
        }

        await all.ConfigureAwait(false);
    }

    private async Task HeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _client.WorkPools.SendWorkerHeartbeatAsync(_options.WorkPool, new WorkerHeartbeat { Name = Name, HeartbeatIntervalSeconds = (int)_options.HeartbeatInterval.TotalSeconds }, cancellationToken).ConfigureAwait(false);
                await Task.Delay(_options.HeartbeatInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is PrefectApiException or HttpRequestException)
            {
                Say($"warning: heartbeat failed: {e.Message}");
                try
                {
                    await Task.Delay(_options.HeartbeatInterval, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ProposeQuietlyAsync(Guid runId, StateCreate state)
    {
        try
        {
            await _client.FlowRuns.SetFlowRunStateAsync(runId, state).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PrefectApiException or HttpRequestException)
        {
            Say($"warning: could not set flow run {runId} to {state.Name}: {e.Message}");
        }
    }

    /// <summary>
    /// Reads the work pool, waiting (with backoff up to 30 s, saying so) for as long as the API is unreachable or
    /// answers 5xx: a worker started before its server, or during an outage, waits instead of exiting (which in a
    /// cluster would be a CrashLoopBackOff). Any other answer (404 for a pool that does not exist) is thrown.
    /// </summary>
    public static async Task<WorkPool> ReadPoolWhenReachableAsync(PrefectClient client, string poolName, Action<string> say, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(say);
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                // A client with an outage budget retries quietly inside the call: say that we are waiting.
                var read = client.WorkPools.ReadWorkPoolAsync(poolName, cancellationToken);
                if (await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(3), cancellationToken)).ConfigureAwait(false) != read)
                {
                    say($"Waiting for the API at {client.Options.ApiUrl}: it is not answering yet.");
                }

                return await read.ConfigureAwait(false);
            }
            catch (PrefectApiException e) when (e.StatusCode == 0 || (int)e.StatusCode >= 500 || e.StatusCode == System.Net.HttpStatusCode.TooManyRequests)
            {
                say($"warning: the API at {client.Options.ApiUrl} is not answering ({e.Message}); trying again in {delay.TotalSeconds:0}s.");
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
        }
    }

    private static JsonObject? ToObject(IDictionary<string, JsonElement>? values) =>
        values is null ? null : JsonSerializer.SerializeToNode(values, PrefectJson.Options) as JsonObject;

    private void Say(string line)
    {
        lock (_output)
        {
            _output.WriteLine($"{DateTimeOffset.Now:HH:mm:ss.fff} | worker | {line}");
        }
    }
}
