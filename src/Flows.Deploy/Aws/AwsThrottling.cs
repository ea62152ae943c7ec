namespace Flows.Deploy.Aws;

/// <summary>
/// AWS refuses calls over a rate limit with HTTP 400 (not 429) and an error type such as <c>ThrottlingException</c>:
/// those are retried as the AWS SDKs' standard retry mode does: up to <see cref="MaxAttempts"/> attempts, waits from
/// <see cref="RetryDelay"/> capped at <see cref="MaxDelay"/>.
/// </summary>
public static class AwsThrottling
{
    public const int MaxAttempts = 5;

    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(20);

    /// <summary>The error types the AWS SDKs treat as throttling, plus HTTP 429 and 503 ("slow down").</summary>
    public static bool IsThrottling(string errorType, int status) => status is 429 or 503 || errorType is "ThrottlingException" or "Throttling"
        or "ThrottledException" or "RequestThrottledException" or "TooManyRequestsException" or "ProvisionedThroughputExceededException"
        or "TransactionInProgressException" or "RequestLimitExceeded" or "BandwidthLimitExceeded" or "LimitExceededException"
        or "RequestThrottled" or "SlowDown" or "PriorRequestNotComplete" or "EC2ThrottledException";
}
