namespace Flows.Deploy.Aws;

/// <summary>
/// AWS refuses calls over a rate limit with HTTP 400 (not 429) and an error type such as <c>ThrottlingException</c>:
/// those are retried with exponential backoff and full jitter, as the AWS SDKs do (their standard retry mode: up to
/// <see cref="MaxAttempts"/> attempts, delays capped at 20 s).
/// </summary>
public static class AwsThrottling
{
    public const int MaxAttempts = 5;

    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(20);

    /// <summary>The error types the AWS SDKs treat as throttling, plus HTTP 429 and 503 ("slow down").</summary>
    public static bool IsThrottling(string errorType, int status) => status is 429 or 503 || errorType is "ThrottlingException" or "Throttling"
        or "ThrottledException" or "RequestThrottledException" or "TooManyRequestsException" or "ProvisionedThroughputExceededException"
        or "TransactionInProgressException" or "RequestLimitExceeded" or "BandwidthLimitExceeded" or "LimitExceededException"
        or "RequestThrottled" or "SlowDown" or "PriorRequestNotComplete" or "EC2ThrottledException";

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1 (attempt counts from 1): random in [0, base·2^(attempt−1)], at most 20 s.</summary>
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay)
    {
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }
}
