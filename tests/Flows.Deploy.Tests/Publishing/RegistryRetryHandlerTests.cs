using System.Net;
using Flows.Deploy.Publishing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flows.Deploy.Tests.Publishing;

public sealed class RegistryRetryHandlerTests
{
    private sealed class Scripted(params HttpStatusCode[] answers) : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(answers[Math.Min(Calls++, answers.Length - 1)]));
    }

    private static async Task<(HttpStatusCode, int Calls, int Retries)> Send(params HttpStatusCode[] answers)
    {
        var inner = new Scripted(answers);
        var handler = new RegistryRetryHandler(NullLogger.Instance, maxAttempts: 4, baseDelay: TimeSpan.FromMilliseconds(1)) { InnerHandler = inner };
        using var client = new HttpClient(handler);
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Put, "http://registry.invalid/v2/x/manifests/t") { Content = new ByteArrayContent([1, 2, 3]) });
        return (response.StatusCode, inner.Calls, handler.Retries);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.BadGateway)]
    public async Task Transient_answers_are_retried_until_success(HttpStatusCode transient)
    {
        Assert.Equal((HttpStatusCode.Created, 3, 2), await Send(transient, transient, HttpStatusCode.Created));
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.BadRequest)]
    public async Task Other_answers_are_returned_at_once(HttpStatusCode status)
    {
        Assert.Equal((status, 1, 0), await Send(status, HttpStatusCode.Created));
    }

    [Fact]
    public async Task Gives_up_after_the_last_attempt_with_the_registry_answer()
    {
        Assert.Equal((HttpStatusCode.ServiceUnavailable, 4, 3), await Send(HttpStatusCode.ServiceUnavailable));
    }
}
