using System.Net;
using System.Net.Http.Headers;
using Flows.Shared;

namespace Flows.Deploy.Tests.Publishing;

/// <summary>The one retry rule (src/Shared/RetryDelay.cs) the API client, the registry handler and the ECR client share.</summary>
public sealed class RetryDelayTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData(HttpStatusCode.RequestTimeout, true)]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.InternalServerError, true)]
    [InlineData(HttpStatusCode.BadGateway, true)]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.GatewayTimeout, true)]
    [InlineData(HttpStatusCode.NotImplemented, false)]
    [InlineData(HttpStatusCode.HttpVersionNotSupported, false)]
    [InlineData(HttpStatusCode.BadRequest, false)]
    [InlineData(HttpStatusCode.Unauthorized, false)]
    [InlineData(HttpStatusCode.NotFound, false)]
    public void Only_answers_that_may_change_on_a_second_try_are_transient(HttpStatusCode status, bool transient)
    {
        Assert.Equal(transient, RetryDelay.IsTransient(status));
    }

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(3, 400)]
    [InlineData(6, 2000)] // 3.2 s capped at 2 s
    public void Without_a_hint_the_wait_doubles_per_attempt_capped_with_half_of_it_random(int attempt, double ceilingMs)
    {
        var waits = Enumerable.Range(0, 200).Select(_ => RetryDelay.Next(attempt, Initial, Max).TotalMilliseconds).ToList();
        Assert.All(waits, w => Assert.InRange(w, ceilingMs / 2, ceilingMs));
        Assert.True(waits.Distinct().Count() > 1, "the waits are jittered");
    }

    [Fact]
    public void Retry_after_in_seconds_is_honoured_up_to_the_cap()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), RetryDelay.Next(1, Initial, Max, new RetryConditionHeaderValue(TimeSpan.FromSeconds(1))));
        Assert.Equal(Max, RetryDelay.Next(1, Initial, Max, new RetryConditionHeaderValue(TimeSpan.FromSeconds(30))));
    }

    [Fact]
    public void Retry_after_as_a_date_waits_until_then_and_never_a_negative_time()
    {
        var soon = RetryDelay.Next(1, Initial, Max, new RetryConditionHeaderValue(DateTimeOffset.UtcNow.AddSeconds(1.5)));
        Assert.InRange(soon.TotalSeconds, 0.5, 1.5);
        Assert.Equal(TimeSpan.Zero, RetryDelay.Next(1, Initial, Max, new RetryConditionHeaderValue(DateTimeOffset.UtcNow.AddMinutes(-1))));
    }
}
