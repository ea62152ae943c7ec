using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Flows.Server.Ui;

/// <summary>
/// How the browser authenticates, and what keeps its form posts from being forged.
/// With API keys configured the login form stores the key in an HttpOnly, SameSite=Strict cookie, which the
/// auth middleware accepts beside the bearer header. SameSite does not separate ports of one host (another
/// app on localhost:8080 is "same-site"), so every state-changing form post also carries a token the page
/// embedded: HMAC(per-process secret, the cookie's key); a page on another origin cannot read it. The API
/// accepts the cookie only with that token in <see cref="CsrfHeader"/> (the live tail sends it), which
/// also makes a cross-origin request preflighted, and nothing here answers CORS preflights.
/// </summary>
internal sealed class UiAuth
{
    public const string CookieName = "flows_api_key";
    public const string CsrfField = "_csrf";
    public const string CsrfHeader = "X-Flows-Csrf";

    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);

    // SHA-256 of each key: compared in fixed time, so neither a key's length nor its first differing byte shows in timing.
    private readonly byte[][] _keyHashes;

    public UiAuth(IEnumerable<string> keys) => _keyHashes = keys.Distinct(StringComparer.Ordinal).Select(Hash).ToArray();

    /// <summary>Failed logins by address, shared by the API's check and the login form.</summary>
    public Hosting.LoginThrottle Throttle { get; } = new(TimeProvider.System);

    /// <summary>False when the server has no keys: the UI, like the API, is then open (loopback only by default).</summary>
    public bool Required => _keyHashes.Length > 0;

    /// <summary>Whether <paramref name="key"/> is one of the keys; every key is compared, each in fixed time.</summary>
    public bool IsKey(string? key)
    {
        if (key is not { Length: > 0 })
        {
            return false;
        }

        var hash = Hash(key);
        var found = false;
        foreach (var candidate in _keyHashes)
        {
            found |= CryptographicOperations.FixedTimeEquals(hash, candidate);
        }

        return found;
    }

    /// <summary>Whether the request offers a credential (a header or the cookie), so a refusal counts as a failed login.</summary>
    public static bool OffersCredential(HttpContext context)
        => context.Request.Headers.Authorization.Count > 0 || context.Request.Cookies.ContainsKey(CookieName);

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>Paths anyone may fetch: the login page, the static assets and Prefect's UI app (they hold no data).</summary>
    public static bool IsPublic(PathString path)
        => path == "/api/health" || path == Endpoints.AdminEndpoints.LivePath || path == "/login" || path.StartsWithSegments("/ui/assets") || PrefectUi.PrefectUiEndpoints.IsUnderBasePath(path)
           || PrefectUi.PrefectUiEndpoints.IsRootIcon(path);

    /// <summary>
    /// The middleware's check: a valid key as a bearer token or as a Basic password, or the cookie (on /api
    /// only with the CSRF header).
    /// </summary>
    public bool IsAuthenticated(HttpContext context)
    {
        // The scheme is case-insensitive (RFC 9110 section 11.1): "bearer KEY" is as good as "Bearer KEY".
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && IsKey(header["Bearer ".Length..].Trim()))
        {
            return true;
        }

        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return IsKey(BasicPassword(header["Basic ".Length..].Trim()));
        }

        var cookie = context.Request.Cookies[CookieName];
        if (!IsKey(cookie))
        {
            return false;
        }

        return !context.Request.Path.StartsWithSegments("/api")
            || TokenMatches(context.Request.Headers[CsrfHeader].ToString(), cookie);
    }

    /// <summary>
    /// The password of a Basic credential. Prefect's UI sends base64 of whatever its login field holds, and
    /// Prefect's server compares that whole text with PREFECT_SERVER_API_AUTH_STRING (<c>user:password</c>).
    /// Our keys are passwords without users: <c>anyone:KEY</c> and a bare <c>KEY</c> are both accepted.
    /// </summary>
    internal static string? BasicPassword(string encoded)
    {
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
        }
        catch (FormatException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? decoded : decoded[(colon + 1)..];
    }

    /// <summary>Whom a token is bound to: the visitor's key when keys are required, nobody otherwise.</summary>
    public string? Identity(HttpContext context) => Required ? context.Request.Cookies[CookieName] : null;

    /// <summary>The anti-forgery token for <paramref name="identity"/> (the login form uses null: nobody yet).</summary>
    public string TokenFor(string? identity) => Token(identity);

    /// <summary>Checks a form post: its token for <paramref name="identity"/>, and its Origin when the browser sent one.</summary>
    public bool IsGenuinePost(HttpContext context, string? token, string? identity)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, $"{context.Request.Scheme}://{context.Request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return TokenMatches(token, identity);
    }

    private bool TokenMatches(string? token, string? identity)
        => token is { Length: > 0 } && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(token), Encoding.ASCII.GetBytes(Token(identity)));

    private string Token(string? identity)
        => Convert.ToBase64String(HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes("flows-ui|" + (identity ?? string.Empty))))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Sets the login cookie: HttpOnly (scripts never see the key), SameSite=Strict, Secure over HTTPS.</summary>
    public static void SetCookie(HttpContext context, string key)
        => context.Response.Cookies.Append(CookieName, key, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps, Path = "/", IsEssential = true,
        });

    public static void ClearCookie(HttpContext context)
        => context.Response.Cookies.Delete(CookieName, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps, Path = "/" });
}
