using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Flows.Deploy.Aws;

/// <summary>A registry credential from <c>GetAuthorizationToken</c>. <see cref="ToString"/> never shows the password.</summary>
public sealed record EcrAuthorization(string UserName, string Password, DateTimeOffset ExpiresAt, string? ProxyEndpoint)
{
    public override string ToString() => $"{UserName}:*** (expires {ExpiresAt:u})";
}

/// <summary>
/// Amazon ECR's API, the two calls a push needs: AWS JSON 1.1 over <c>POST /</c>, <c>X-Amz-Target:
/// AmazonEC2ContainerRegistry_V20150921.&lt;Operation&gt;</c>, SigV4-signed for service <c>ecr</c>.
/// </summary>
public sealed class EcrClient(Uri endpoint, string region, AwsCredentials credentials, TimeProvider? time = null, HttpMessageHandler? handler = null)
{
    public const string TargetPrefix = "AmazonEC2ContainerRegistry_V20150921.";

    public Uri Endpoint { get; } = endpoint;

    /// <summary>The first backoff step after a throttled call (<see cref="AwsThrottling"/>); tests make it small.</summary>
    public TimeSpan ThrottleBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The registry password (base64 <c>AWS:&lt;password&gt;</c> decoded) and when it expires (12 hours).</summary>
    public async Task<EcrAuthorization> GetAuthorizationTokenAsync(CancellationToken cancellationToken = default)
    {
        var answer = await CallAsync("GetAuthorizationToken", new JsonObject(), cancellationToken).ConfigureAwait(false);
        var data = (answer["authorizationData"] as JsonArray)?.FirstOrDefault() as JsonObject
            ?? throw new AwsException(AwsException.ServiceError, $"ECR at {Endpoint} answered GetAuthorizationToken without authorizationData", "Check AWS_ENDPOINT_URL_ECR.");
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(data["authorizationToken"]?.GetValue<string>() ?? ""));
        }
        catch (FormatException e)
        {
            throw new AwsException(AwsException.ServiceError, $"ECR at {Endpoint} answered GetAuthorizationToken with a token that is not base64", "Check AWS_ENDPOINT_URL_ECR.", inner: e);
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new AwsException(AwsException.ServiceError, $"ECR at {Endpoint} answered GetAuthorizationToken with a token that is not user:password", "Check AWS_ENDPOINT_URL_ECR.");
        }

        // expiresAt is epoch seconds (JSON 1.1 timestamps are numbers, possibly fractional).
        var expires = data["expiresAt"] is JsonValue v && v.TryGetValue<double>(out var seconds)
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000))
            : (time ?? TimeProvider.System).GetUtcNow().AddHours(12);
        return new EcrAuthorization(decoded[..colon], decoded[(colon + 1)..], expires, data["proxyEndpoint"]?.GetValue<string>());
    }

    /// <summary>Creates the repository; false when it already existed.</summary>
    public async Task<bool> CreateRepositoryAsync(string repositoryName, string? registryId = null, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["repositoryName"] = repositoryName };
        if (registryId is not null)
        {
            body["registryId"] = registryId;
        }

        try
        {
            await CallAsync("CreateRepository", body, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (EcrApiException e) when (e.ErrorType == "RepositoryAlreadyExistsException")
        {
            return false;
        }
    }

    private async Task<JsonObject> CallAsync(string operation, JsonObject body, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await CallOnceAsync(operation, body, cancellationToken).ConfigureAwait(false);
            }
            catch (EcrApiException e) when (attempt < AwsThrottling.MaxAttempts && AwsThrottling.IsThrottling(e.ErrorType, e.Status))
            {
                // Signed again on the next attempt: the signature carries the time.
                await Task.Delay(RetryDelay.Next(attempt, ThrottleBaseDelay, AwsThrottling.MaxDelay), time ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<JsonObject> CallOnceAsync(string operation, JsonObject body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", TargetPrefix + operation);
        await SigV4.SignAsync(request, credentials, region, "ecr", (time ?? TimeProvider.System).GetUtcNow(), cancellationToken).ConfigureAwait(false);
        string text;
        int status;
        try
        {
            using var response = await AwsHttp.SendAsync(handler, request, cancellationToken).ConfigureAwait(false);
            status = (int)response.StatusCode;
            text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new AwsException(AwsException.ServiceError, $"the ECR API at {Endpoint} is unreachable ({operation}): {e.Message}",
                "Check the network and the region in the registry host, or AWS_ENDPOINT_URL_ECR.", inner: e);
        }

        JsonObject? json = null;
        try
        {
            json = text.Length == 0 ? new JsonObject() : JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            // reported below with the status
        }

        if (status is >= 200 and < 300 && json is not null)
        {
            return json;
        }

        // "__type" may be namespaced ("com.amazonaws.ecr#RepositoryNotFoundException"); "message" or "Message".
        var type = json?["__type"]?.GetValue<string>() is { } t ? t[(t.LastIndexOf('#') + 1)..] : $"HTTP {status}";
        var message = (json?["message"] ?? json?["Message"])?.GetValue<string>() ?? "";
        throw new EcrApiException(operation, type, status, message, Endpoint);
    }
}

/// <summary>ECR answered an operation with an error (<see cref="ErrorType"/>: the <c>__type</c> of its JSON error).</summary>
public sealed class EcrApiException(string operation, string errorType, int status, string serviceMessage, Uri endpoint)
    : Exception($"ECR {operation} at {endpoint} failed: {status} {errorType} {serviceMessage}".TrimEnd())
{
    public string Operation { get; } = operation;

    public string ErrorType { get; } = errorType;

    public int Status { get; } = status;

    public string ServiceMessage { get; } = serviceMessage;

    /// <summary>Errors that mean the AWS credentials (not the request) are wrong or lack a permission.</summary>
    public bool IsCredentialProblem => ErrorType is "UnrecognizedClientException" or "InvalidSignatureException" or "SignatureDoesNotMatch" or "ExpiredTokenException"
        or "InvalidClientTokenId" or "AccessDeniedException" or "IncompleteSignature" or "MissingAuthenticationTokenException" or "AuthFailure" || Status == 403;
}
