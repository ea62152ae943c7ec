using System.Net;
using System.Text;
using Flows.Deploy.Aws;

namespace Flows.Deploy.Tests.Aws;

/// <summary>ECR over its rate limit answers HTTP 400 with <c>ThrottlingException</c>: the client backs off and signs the
/// call again, up to <see cref="AwsThrottling.MaxAttempts"/> attempts, as the AWS SDKs do.</summary>
public sealed class EcrThrottlingTests
{
    private sealed class Scripted(int throttled, string type = "ThrottlingException") : HttpMessageHandler
    {
        public List<string?> Signatures { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Signatures.Add(request.Headers.TryGetValues("Authorization", out var values) ? string.Join(",", values) : null);
            if (Signatures.Count <= throttled)
            {
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadRequest)
                {
                    Content = new StringContent($$"""{"__type":"com.amazonaws.ecr#{{type}}","message":"Rate exceeded"}""", Encoding.UTF8, "application/x-amz-json-1.1"),
                });
            }

            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:password"));
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent($$"""{"authorizationData":[{"authorizationToken":"{{token}}","expiresAt":4102444800}]}""", Encoding.UTF8, "application/x-amz-json-1.1"),
            });
        }
    }

    private static EcrClient Client(HttpMessageHandler handler) =>
        new(new Uri("https://api.ecr.us-east-1.amazonaws.com/"), "us-east-1", new AwsCredentials("AKIDEXAMPLE", "secret"), handler: handler) { ThrottleBaseDelay = TimeSpan.FromMilliseconds(1) };

    [Theory]
    [InlineData("ThrottlingException")]
    [InlineData("TooManyRequestsException")]
    public async Task A_throttled_call_is_retried_signed_again_and_succeeds(string type)
    {
        var handler = new Scripted(throttled: 3, type);
        var token = await Client(handler).GetAuthorizationTokenAsync();
        Assert.Equal(("AWS", "password"), (token.UserName, token.Password));
        Assert.Equal(4, handler.Signatures.Count);
        Assert.All(handler.Signatures, s => Assert.Contains("Signature=", s, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Throttling_that_does_not_stop_ends_in_the_error_after_the_last_attempt()
    {
        var handler = new Scripted(throttled: int.MaxValue);
        var error = await Assert.ThrowsAsync<EcrApiException>(() => Client(handler).GetAuthorizationTokenAsync());
        Assert.Equal(("ThrottlingException", 400), (error.ErrorType, error.Status));
        Assert.Equal(AwsThrottling.MaxAttempts, handler.Signatures.Count);
    }

    [Fact]
    public async Task Other_400s_are_not_retried()
    {
        var handler = new Scripted(throttled: int.MaxValue, "InvalidParameterException");
        await Assert.ThrowsAsync<EcrApiException>(() => Client(handler).GetAuthorizationTokenAsync());
        Assert.Single(handler.Signatures);
    }
}
