using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Flows.Kubernetes.Fake.Rbac;

/// <summary>
/// Bearer tokens to users, as the API server's token authenticators do: the fake's admin token (group
/// system:masters), tokens minted by <see cref="IssueToken"/> (a TokenRequest), and the legacy long-lived tokens
/// the token controller writes into Secrets of type kubernetes.io/service-account-token (valid while that Secret
/// and its ServiceAccount exist). No header is system:anonymous; a token nobody issued is 401.
/// </summary>
internal sealed class TokenAuthenticator
{
    public const string TokenSecretType = "kubernetes.io/service-account-token";
    public const string ServiceAccountNameAnnotation = "kubernetes.io/service-account.name";
    public const string ServiceAccountUidAnnotation = "kubernetes.io/service-account.uid";

    private readonly Cluster _cluster;
    private readonly Dictionary<string, (string Namespace, string Name)> _issued = new(StringComparer.Ordinal);

    public TokenAuthenticator(Cluster cluster)
    {
        _cluster = cluster;
        AdminToken = NewToken();
    }

    /// <summary>A token whose user is in system:masters: what a test's own client sends.</summary>
    public string AdminToken { get; }

    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    /// <summary>A token for the ServiceAccount (which must exist), as <c>kubectl create token</c> gets one.</summary>
    public string IssueToken(string @namespace, string serviceAccount)
    {
        if (!_cluster.Store.Exists(ResourceKind.ServiceAccounts, @namespace, serviceAccount))
        {
            throw StatusException.NotFound(ResourceKind.ServiceAccounts, serviceAccount);
        }

        var token = NewToken();
        lock (_issued)
        {
            _issued[token] = (@namespace, serviceAccount);
        }

        return token;
    }

    /// <summary>The user of an Authorization header value; null header is anonymous; an unknown token is 401.</summary>
    public UserInfo Authenticate(string? authorization)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return UserInfo.Anonymous;
        }

        const string Bearer = "Bearer ";
        var token = authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) ? authorization[Bearer.Length..].Trim() : null;
        if (token == AdminToken)
        {
            return new UserInfo("fake-admin", [UserInfo.Masters, "system:authenticated"]);
        }

        if (token is not null && Owner(token) is { } account && _cluster.Store.Exists(ResourceKind.ServiceAccounts, account.Namespace, account.Name))
        {
            return UserInfo.ServiceAccount(account.Namespace, account.Name);
        }

        throw new StatusException(401, "Unauthorized", "Unauthorized");
    }

    /// <summary>
    /// The token controller's part, done as the Secret is stored: a service-account-token Secret naming an existing
    /// ServiceAccount gets data.token, data.namespace and the account's uid (a real cluster fills them moments later).
    /// </summary>
    public static void FillTokenSecret(ObjectStore store, string @namespace, JsonObject secret)
    {
        var annotations = secret["metadata"]?["annotations"];
        var account = annotations.String(ServiceAccountNameAnnotation);
        if (secret.String("type") != TokenSecretType || account is null)
        {
            return;
        }

        var serviceAccount = store.Get(ResourceKind.ServiceAccounts, @namespace, account);
        if (serviceAccount is null)
        {
            // The real controller deletes such a Secret; leaving it without a token makes the mistake as visible.
            return;
        }

        ((JsonObject)annotations!)[ServiceAccountUidAnnotation] = serviceAccount.Uid();
        var data = secret.Child("data");
        data["token"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(NewToken()));
        data["namespace"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(@namespace));
    }

    private (string Namespace, string Name)? Owner(string token)
    {
        lock (_issued)
        {
            if (_issued.TryGetValue(token, out var issued))
            {
                return issued;
            }
        }

        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(token));
        var secret = _cluster.Store.Find(ResourceKind.Secrets, null, s => s.String("type") == TokenSecretType && s["data"].String("token") == encoded).FirstOrDefault();
        return secret?["metadata"]?["annotations"].String(ServiceAccountNameAnnotation) is { } name ? (secret.Namespace()!, name) : null;
    }
}
