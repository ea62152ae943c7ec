namespace Flows.Deploy.Aws;

/// <summary>
/// An AWS call or AWS configuration failed in a way the user must fix. <see cref="Kind"/> says which (the publish path
/// maps it to a FLOWS354x code); <see cref="ErrorCode"/> is the service's error type (e.g. <c>ExpiredTokenException</c>)
/// when there is one. Messages never carry secrets or tokens.
/// </summary>
public sealed class AwsException(string kind, string message, string fix, string? errorCode = null, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Credentials were found but the service refused them (expired, invalid, wrong signature, access denied).</summary>
    public const string CredentialsRefused = "credentials-refused";

    /// <summary>The AWS configuration itself is unusable (named profile missing, unreadable token file, bad endpoint).</summary>
    public const string BadConfiguration = "bad-configuration";

    /// <summary>The service could not be reached or answered something unexpected.</summary>
    public const string ServiceError = "service-error";

    public string Kind { get; } = kind;

    public string Fix { get; } = fix;

    public string? ErrorCode { get; } = errorCode;
}
