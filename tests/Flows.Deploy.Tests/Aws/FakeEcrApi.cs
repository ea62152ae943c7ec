using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flows.Deploy.Tests.Aws;

/// <summary>
/// A FAKE of Amazon ECR's API (and of STS's AssumeRoleWithWebIdentity) on loopback Kestrel, for tests only. Every ECR
/// request's SigV4 signature is verified with the secret the fake knows for the access key, by a verifier written here
/// independently of Flows.Deploy.Aws.SigV4 (canonical request rebuilt from what arrived on the wire); a bad signature is
/// answered 403 InvalidSignatureException as ECR does. GetAuthorizationToken hands out the password of the real htpasswd
/// registry (localhost:5001) unless a test scripts other passwords; CreateRepository answers
/// RepositoryAlreadyExistsException for a repository it created before.
/// </summary>
public sealed class FakeEcrApi : IAsyncDisposable
{
    public const string Region = "us-east-1";
    public const string AccountId = "123456789012";
    public const string Registry = AccountId + ".dkr.ecr." + Region + ".amazonaws.com";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (string Secret, string? SessionToken)> _keys = new(StringComparer.Ordinal);

    private FakeEcrApi(WebApplication app, string registryPassword)
    {
        _app = app;
        RegistryPassword = registryPassword;
    }

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>What GetAuthorizationToken hands out when <see cref="ScriptedPasswords"/> is empty.</summary>
    public string RegistryPassword { get; }

    /// <summary>Passwords handed out first, one per GetAuthorizationToken (e.g. a wrong one to test refusal).</summary>
    public ConcurrentQueue<string> ScriptedPasswords { get; } = new();

    /// <summary>Every request in arrival order: "GetAuthorizationToken", "CreateRepository hello", "AssumeRoleWithWebIdentity".</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>Requests refused for their signature or key.</summary>
    public ConcurrentQueue<string> Rejected { get; } = new();

    public ConcurrentDictionary<string, bool> Repositories { get; } = new(StringComparer.Ordinal);

    /// <summary>Session tokens answered with ExpiredTokenException.</summary>
    public ConcurrentDictionary<string, bool> ExpiredSessionTokens { get; } = new(StringComparer.Ordinal);

    /// <summary>The web identity token STS accepts, and the role it may assume.</summary>
    public string? WebIdentityToken { get; set; }

    public string? RoleArn { get; set; }

    public void AddKey(string accessKeyId, string secret, string? sessionToken = null) => _keys[accessKeyId] = (secret, sessionToken);

    public int Count(string operation) => Calls.Count(c => c == operation || c.StartsWith(operation + " ", StringComparison.Ordinal));

    public static async Task<FakeEcrApi> StartAsync(string registryPassword)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeEcrApi(app, registryPassword);
        app.MapPost("/", fake.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.Endpoint = new Uri(address.TrimEnd('/') + "/");
        return fake;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        if (context.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) == true)
        {
            await StsAsync(context, Encoding.UTF8.GetString(body));
            return;
        }

        var target = context.Request.Headers["X-Amz-Target"].ToString();
        if (!target.StartsWith("AmazonEC2ContainerRegistry_V20150921.", StringComparison.Ordinal))
        {
            await Error(context, 400, "UnknownOperationException", "");
            return;
        }

        var operation = target[(target.IndexOf('.', StringComparison.Ordinal) + 1)..];
        if (Verify(context.Request, body) is { } problem)
        {
            Rejected.Enqueue($"{operation}: {problem.Type}");
            Calls.Enqueue(operation + " (rejected)");
            await Error(context, 403, problem.Type, problem.Message);
            return;
        }

        var input = JsonNode.Parse(body.Length == 0 ? "{}"u8 : body) as JsonObject ?? [];
        switch (operation)
        {
            case "GetAuthorizationToken":
                Calls.Enqueue(operation);
                var password = ScriptedPasswords.TryDequeue(out var scripted) ? scripted : RegistryPassword;
                await Json(context, 200, new JsonObject
                {
                    ["authorizationData"] = new JsonArray(new JsonObject
                    {
                        ["authorizationToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + password)),
                        ["expiresAt"] = DateTimeOffset.UtcNow.AddHours(12).ToUnixTimeMilliseconds() / 1000.0,
                        ["proxyEndpoint"] = "https://" + Registry,
                    }),
                });
                break;
            case "CreateRepository":
                var name = input["repositoryName"]?.GetValue<string>() ?? "";
                Calls.Enqueue($"{operation} {name}");
                if (input["registryId"]?.GetValue<string>() is { } id && id != AccountId)
                {
                    await Error(context, 400, "InvalidParameterException", $"registryId {id} is not this account");
                }
                else if (!Repositories.TryAdd(name, true))
                {
                    await Error(context, 400, "RepositoryAlreadyExistsException", $"The repository with name '{name}' already exists in the registry with id '{AccountId}'");
                }
                else
                {
                    await Json(context, 200, new JsonObject { ["repository"] = new JsonObject { ["repositoryName"] = name, ["registryId"] = AccountId } });
                }

                break;
            default:
                Calls.Enqueue(operation);
                await Error(context, 400, "UnknownOperationException", "");
                break;
        }
    }

    private async Task StsAsync(HttpContext context, string form)
    {
        var fields = form.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : "");
        Calls.Enqueue(fields.GetValueOrDefault("Action") ?? "?");
        if (fields.GetValueOrDefault("Action") == "AssumeRole")
        {
            await AssumeRoleAsync(context, fields);
            return;
        }

        if (fields.GetValueOrDefault("Action") != "AssumeRoleWithWebIdentity" || context.Request.Headers.ContainsKey("Authorization"))
        {
            await Xml(context, 400, "<ErrorResponse><Error><Code>InvalidAction</Code><Message>unsigned AssumeRoleWithWebIdentity only</Message></Error></ErrorResponse>");
            return;
        }

        if (fields.GetValueOrDefault("WebIdentityToken") != WebIdentityToken || fields.GetValueOrDefault("RoleArn") != RoleArn)
        {
            await Xml(context, 400, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Couldn't retrieve verification key from your identity provider</Message></Error></ErrorResponse>");
            return;
        }

        await Xml(context, 200, $"""
            <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <AssumeRoleWithWebIdentityResult>
                {NewTemporaryCredentials()}
              </AssumeRoleWithWebIdentityResult>
            </AssumeRoleWithWebIdentityResponse>
            """);
    }

    /// <summary>Fresh temporary keys, accepted from now on, as STS's <c>Credentials</c> element (valid an hour).</summary>
    private string NewTemporaryCredentials()
    {
        var key = "ASIA" + Guid.NewGuid().ToString("N")[..16].ToUpperInvariant();
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(30));
        var session = Convert.ToBase64String(RandomNumberGenerator.GetBytes(60));
        AddKey(key, secret, session);
        return $"<Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey><SessionToken>{session}</SessionToken>"
            + $"<Expiration>{DateTimeOffset.UtcNow.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}</Expiration></Credentials>";
    }

    /// <summary>Signed AssumeRole (a profile's role_arn with source_profile): the caller signs with a known key for
    /// service sts; the answer is temporary keys ECR then accepts.</summary>
    private async Task AssumeRoleAsync(HttpContext context, Dictionary<string, string> fields)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        var credential = authorization.Split("Credential=", 2) is [_, var rest] ? rest.Split(',')[0].Split('/') : [];
        if (credential is not [var keyId, _, _, "sts", "aws4_request"] || !_keys.ContainsKey(keyId) || fields.GetValueOrDefault("RoleArn") != RoleArn)
        {
            await Xml(context, 403, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform sts:AssumeRole</Message></Error></ErrorResponse>");
            return;
        }

        AssumedBy.Enqueue(keyId);
        await Xml(context, 200, $"""
            <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <AssumeRoleResult>
                {NewTemporaryCredentials()}
                <AssumedRoleUser><AssumedRoleId>AROA:flows</AssumedRoleId><Arn>{fields.GetValueOrDefault("RoleArn")}/flows</Arn></AssumedRoleUser>
              </AssumeRoleResult>
              <ResponseMetadata><RequestId>{Guid.NewGuid()}</RequestId></ResponseMetadata>
            </AssumeRoleResponse>
            """);
    }

    /// <summary>The access key ids that signed each AssumeRole.</summary>
    public ConcurrentQueue<string> AssumedBy { get; } = new();

    // The verifier: parse Authorization, rebuild the canonical request from the received request, recompute.
    private (string Type, string Message)? Verify(HttpRequest request, byte[] body)
    {
        var authorization = request.Headers.Authorization.ToString();
        const string prefix = "AWS4-HMAC-SHA256 ";
        if (!authorization.StartsWith(prefix, StringComparison.Ordinal))
        {
            return ("MissingAuthenticationTokenException", "Missing Authentication Token");
        }

        var parts = authorization[prefix.Length..].Split(',', StringSplitOptions.TrimEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
        var scope = parts.GetValueOrDefault("Credential", "").Split('/');
        if (scope.Length != 5 || !_keys.TryGetValue(scope[0], out var key))
        {
            return ("UnrecognizedClientException", "The security token included in the request is invalid.");
        }

        var amzDate = request.Headers["X-Amz-Date"].ToString();
        if (scope[1] != (amzDate.Length >= 8 ? amzDate[..8] : "") || scope[2] != Region || scope[3] != "ecr" || scope[4] != "aws4_request")
        {
            return ("InvalidSignatureException", $"Credential should be scoped to a valid region and service ecr, date {amzDate}");
        }

        if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt) || (DateTimeOffset.UtcNow - signedAt).Duration() > TimeSpan.FromMinutes(15))
        {
            return ("InvalidSignatureException", "Signature expired or X-Amz-Date malformed");
        }

        var token = request.Headers["X-Amz-Security-Token"].ToString();
        if (key.SessionToken is not null && token != key.SessionToken)
        {
            return ("UnrecognizedClientException", "The security token included in the request is invalid.");
        }

        if (token.Length > 0 && ExpiredSessionTokens.ContainsKey(token))
        {
            return ("ExpiredTokenException", "The security token included in the request is expired");
        }

        var signed = parts.GetValueOrDefault("SignedHeaders", "").Split(';');
        foreach (var required in new[] { "host", "x-amz-date", "x-amz-target", "content-type" }.Concat(token.Length > 0 ? ["x-amz-security-token"] : Array.Empty<string>()))
        {
            if (!signed.Contains(required))
            {
                return ("InvalidSignatureException", $"'{required}' must be a signed header");
            }
        }

        var canonical = new StringBuilder();
        canonical.Append(request.Method).Append('\n').Append(request.Path.HasValue ? request.Path.Value : "/").Append('\n').Append(request.QueryString.HasValue ? request.QueryString.Value![1..] : "").Append('\n');
        foreach (var name in signed)
        {
            var value = name == "host" ? request.Host.Value : string.Join(",", request.Headers[name].Select(v => string.Join(' ', (v ?? "").Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))));
            canonical.Append(name).Append(':').Append(value).Append('\n');
        }

        canonical.Append('\n').Append(string.Join(';', signed)).Append('\n').Append(Convert.ToHexStringLower(SHA256.HashData(body)));
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{string.Join('/', scope[1..])}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var k = Encoding.UTF8.GetBytes("AWS4" + key.Secret);
        foreach (var part in scope[1..])
        {
            k = HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(part));
        }

        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(stringToSign)));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts.GetValueOrDefault("Signature", "")))
            ? null
            : ("InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.");
    }

    private static Task Error(HttpContext context, int status, string type, string message) =>
        Json(context, status, new JsonObject { ["__type"] = type, ["message"] = message });

    private static async Task Json(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/x-amz-json-1.1";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private static async Task Xml(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/xml";
        await context.Response.WriteAsync(body);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
