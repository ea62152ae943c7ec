namespace Flows.Deploy.Docker;

/// <summary>Codes for Dockerfile builds through the Docker Engine API: FLOWS3570–3589, inside the publish range
/// (FLOWS3500–3599, <see cref="Publishing.PublishDiagnosticCodes"/>); a test keeps them unique across both. Registry
/// refusals during the push reuse the publish codes (FLOWS3511 credentials refused, FLOWS3541/3542 for ECR) so a
/// credential problem reads the same whichever builder pushed.</summary>
public static class DockerDiagnosticCodes
{
    /// <summary>The step's <c>dockerfile</c> names no file under the build context.</summary>
    public const string DockerfileMissing = "FLOWS3570";

    /// <summary>No Docker Engine answered at DOCKER_HOST (default <c>unix:///var/run/docker.sock</c>).</summary>
    public const string EngineUnreachable = "FLOWS3571";

    /// <summary>The build context could not be sent: a bad <c>.dockerignore</c> pattern, or an unreadable file.</summary>
    public const string BuildContextInvalid = "FLOWS3572";

    /// <summary>The Engine refused the Dockerfile or a step of it failed (the daemon's message is quoted).</summary>
    public const string BuildFailed = "FLOWS3573";

    /// <summary>The Engine could not push a tag (not an authentication problem: those are FLOWS3511/3542).</summary>
    public const string PushFailed = "FLOWS3574";
}
