namespace Flows.Workers.Docker;

/// <summary>
/// Codes of the docker worker's errors (FLOWS4020–4039 of the workers range 4000–4099). Each message that carries
/// one says what to do about it; it ends up in the Crashed state's message and in the worker's output.
/// </summary>
public static class DockerDiagnosticCodes
{
    /// <summary>The Docker Engine did not answer (not running, or DOCKER_HOST points elsewhere).</summary>
    public const string EngineUnreachable = "FLOWS4020";

    /// <summary>The job has no image: the work pool and the deployment both leave the <c>image</c> variable unset.</summary>
    public const string NoImage = "FLOWS4021";

    /// <summary>Pulling the image failed (the Engine's error stream reported it: not found, unauthorized, …).</summary>
    public const string PullFailed = "FLOWS4022";

    /// <summary>The image is not on the host and the pull policy is Never.</summary>
    public const string ImageMissing = "FLOWS4023";

    /// <summary>The Engine refused the container (bad mount, unknown network, …).</summary>
    public const string CreateFailed = "FLOWS4024";

    /// <summary>A docker credential helper named in the docker config could not be run, or answered outside the protocol.</summary>
    public const string CredentialHelperFailed = "FLOWS4025";

    /// <summary>A job variable has a value the docker worker cannot use (e.g. <c>mem_limit</c> "lots").</summary>
    public const string BadJobVariable = "FLOWS4026";

    /// <summary>The API key could not be written into the created container (the Engine failed every attempt).</summary>
    public const string ApiKeyWriteFailed = "FLOWS4027";

    /// <summary>The docker config cannot be read: not JSON, or an <c>auths</c> entry that is not base64 <c>user:password</c>.</summary>
    public const string DockerConfigUnreadable = "FLOWS4028";
}
