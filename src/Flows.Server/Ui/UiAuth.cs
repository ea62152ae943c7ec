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
    private readonly HashSet<string> _keys;

    public UiAuth(IEnumerable<string> keys) => _keys = keys.ToHashSet(StringComparer.Ordinal);

    /// <summary>False when the server has no keys: the UI, like the API, is then open (loopback only by default).</summary>
    public bool Required => _keys.Count > 0;

    public bool IsKey(string? key) => key is { Length: > 0 } && _keys.Contains(key);

    /// <summary>Paths anyone may fetch: the login page, the static assets and Prefect's UI app (they hold no data).</summary>
    public static bool IsPublic(PathString path)
        => path == "/api/health" || path == "/login" || path.StartsWithSegments("/ui/assets") || PrefectUi.PrefectUiEndpoints.IsUnderBasePath(path);

    /// <summary>
    /// The middleware's check: a valid key as a bearer token or as a Basic password, or the cookie (on /api
    /// only with the CSRF header).
    /// </summary>
    public bool IsAuthenticated(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.Ordinal) && IsKey(header["Bearer ".Length..].Trim()))
        {
            return true;
        }

        if (header.StartsWith("Basic ", StringComparison.Ordinal))
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
