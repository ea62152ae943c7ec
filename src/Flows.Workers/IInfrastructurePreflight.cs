namespace Flows.Workers;

/// <summary>
/// An infrastructure that can tell before the worker claims anything that it cannot run jobs (the Docker Engine is
/// down, the cluster is unreachable). Optional beside <see cref="IFlowRunInfrastructure"/>: without it, such a
/// worker would claim runs only to crash each one with the same message.
/// </summary>
public interface IInfrastructurePreflight
{
    /// <summary>Null when ready; otherwise a coded message (<c>FLOWSnnnn: …</c>) saying what to fix.</summary>
    Task<string?> CheckAsync(CancellationToken cancellationToken = default);
}
