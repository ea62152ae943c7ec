namespace Flows.Workers;

/// <summary>
/// Where a claimed flow run executes: a child process, a container, a Kubernetes Job. The worker core claims,
/// renders and watches; an infrastructure only starts the job configuration and reports how it ended.
/// </summary>
public interface IFlowRunInfrastructure
{
    /// <summary>The work pool type this runs (<c>process</c>, <c>docker</c>, <c>kubernetes</c>).</summary>
    string Type { get; }

    /// <summary>
    /// Runs <paramref name="job"/> to its end. Calls <paramref name="started"/> with the infrastructure id
    /// (pid, container id, job name) once it exists; cancellation stops the infrastructure.
    /// </summary>
    Task<InfrastructureResult> RunAsync(FlowRunJob job, Func<string, Task> started, CancellationToken cancellationToken);

    /// <summary>
    /// Whether this worker can judge the infrastructure behind <paramref name="infrastructureId"/> when it re-attaches
    /// after a restart (a process of another host cannot be watched from here: it is left to that host's worker).
    /// </summary>
    bool CanReattach(string infrastructureId) => true;
}
