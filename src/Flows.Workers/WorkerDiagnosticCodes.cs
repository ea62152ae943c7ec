namespace Flows.Workers;

/// <summary>
/// Codes of the worker core's errors (FLOWS4000–4019 of the workers range 4000–4099; the docker infrastructure's
/// are in <see cref="Docker.DockerDiagnosticCodes"/>). Each message that carries one says what to do.
/// </summary>
public static class WorkerDiagnosticCodes
{
    /// <summary>The work pool named on the command line does not exist on the server.</summary>
    public const string NoSuchWorkPool = "FLOWS4001";

    /// <summary>No infrastructure of the pool's (or the requested) type in this build.</summary>
    public const string NoInfrastructure = "FLOWS4002";

    /// <summary>A job refers to <c>{{ prefect.variables.NAME }}</c> and the server has no such variable.</summary>
    public const string MissingVariable = "FLOWS4010";

    /// <summary>A flow run sets a job variable only its pool and deployment may set (<c>cluster_config</c>, a process pool's <c>command</c>).</summary>
    public const string ProtectedJobVariable = "FLOWS4011";
}
