using System.Globalization;
using System.Xml.Linq;

namespace Flows.Deploy.Aws;

/// <summary>STS <c>AssumeRoleWithWebIdentity</c> (query protocol, version 2011-06-15). The call is not signed: the web
/// identity token is the proof.</summary>
public sealed class StsClient(Uri endpoint, HttpMessageHandler? handler = null)
{
    private static readonly XNamespace Ns = "https://sts.amazonaws.com/doc/2011-06-15/";

    /// <summary><c>AWS_ENDPOINT_URL_STS</c> / <c>AWS_ENDPOINT_URL</c>, else the regional endpoint.</summary>
    public static Uri Endpoint(Func<string, string?> environment, string region) =>
        AwsEndpoints.Override(environment, "STS") ?? new Uri($"https://sts.{region}.amazonaws.com{(region.StartsWith("cn-", StringComparison.Ordinal) ? ".cn" : "")}/");

    public async Task<AwsCredentials> AssumeRoleWithWebIdentityAsync(string roleArn, string sessionName, string webIdentityToken, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Action"] = "AssumeRoleWithWebIdentity",
                ["Version"] = "2011-06-15",
                ["RoleArn"] = roleArn,
                ["RoleSessionName"] = sessionName,
                ["WebIdentityToken"] = webIdentityToken,
            }),
        };
        string body;
        System.Net.HttpStatusCode status;
        try
        {
            using var response = await AwsHttp.SendAsync(handler, request, cancellationToken).ConfigureAwait(false);
            status = response.StatusCode;
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new AwsException(AwsException.ServiceError, $"AWS STS at {endpoint} is unreachable: {e.Message}", "Check the network, or AWS_ENDPOINT_URL_STS.", inner: e);
        }

        XDocument xml;
        try
        {
            xml = XDocument.Parse(body);
        }
        catch (System.Xml.XmlException e)
        {
            throw new AwsException(AwsException.ServiceError, $"AWS STS at {endpoint} answered {(int)status} with something that is not XML", "Check AWS_ENDPOINT_URL_STS.", inner: e);
        }

        if ((int)status >= 300)
        {
            var code = xml.Descendants().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value ?? $"HTTP {(int)status}";
            var message = xml.Descendants().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value ?? "";
            throw new AwsException(AwsException.CredentialsRefused, $"AWS STS refused AssumeRoleWithWebIdentity for role {roleArn}: {code} {message}".TrimEnd(),
                "Check AWS_ROLE_ARN, that the role trusts this identity provider (and audience), and that the token in AWS_WEB_IDENTITY_TOKEN_FILE is current.", code);
        }

        var credentials = xml.Descendants(Ns + "Credentials").FirstOrDefault() ?? xml.Descendants().FirstOrDefault(e => e.Name.LocalName == "Credentials");
        string? Field(string name) => credentials?.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
        if (Field("AccessKeyId") is not { Length: > 0 } id || Field("SecretAccessKey") is not { Length: > 0 } secret)
        {
            throw new AwsException(AwsException.ServiceError, $"AWS STS at {endpoint} answered without credentials", "Check AWS_ENDPOINT_URL_STS.");
        }

        DateTimeOffset? expiration = DateTimeOffset.TryParse(Field("Expiration"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expires) ? expires : null;
        return new AwsCredentials(id, secret, Field("SessionToken"), expiration, "web identity");
    }
}

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
