namespace Flows.Workers;

/// <summary>How the infrastructure ended: an exit code, and a reason when it did not end normally.</summary>
public sealed record InfrastructureResult(int ExitCode, string? Reason = null)
{
    public bool Succeeded => ExitCode == 0;
}
