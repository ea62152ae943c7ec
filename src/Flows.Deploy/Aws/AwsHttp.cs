namespace Flows.Deploy.Aws;

/// <summary>One HttpClient for AWS API calls (retrying 429/5xx and socket errors), or one over a test's handler.</summary>
internal static class AwsHttp
{
    private static readonly HttpClient Shared = new(new Publishing.RegistryRetryHandler(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance) { InnerHandler = new SocketsHttpHandler() })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    public static Task<HttpResponseMessage> SendAsync(HttpMessageHandler? handler, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (handler is null)
        {
            return Shared.SendAsync(request, cancellationToken);
        }

        var client = new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(60) };
        return SendAndDisposeAsync(client, request, cancellationToken);
    }

    private static async Task<HttpResponseMessage> SendAndDisposeAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (client)
        {
            return await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }
}
