using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Flows.Deploy.Aws;

/// <summary>AWS credentials. <see cref="ToString"/> never shows the secret or the session token.</summary>
public sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null, DateTimeOffset? Expiration = null, string Source = "")
{
    public override string ToString() => $"{AccessKeyId} ({Source})";
}

/// <summary>
/// A request as SigV4 sees it. <paramref name="Path"/> is the path as it goes on the wire (already percent-encoded by
/// the HTTP stack, as the request line carries it); <paramref name="Query"/> the raw query string without '?'.
/// </summary>
public sealed record SigV4Request(string Method, string Path, string Query, IReadOnlyList<KeyValuePair<string, string>> Headers, ReadOnlyMemory<byte> Body);

/// <summary>Region, service, time and the signer's switches (as the public test suite's <c>context.json</c> names them).</summary>
public sealed record SigV4Options(string Region, string Service, DateTimeOffset Time)
{
    /// <summary>Remove '.' and '..' segments and collapse '//' (every service but S3).</summary>
    public bool NormalizePath { get; init; } = true;

    /// <summary>Also send the payload hash as <c>x-amz-content-sha256</c> (header signing).</summary>
    public bool SignBody { get; init; }

    /// <summary>Leave the session token out of what is signed (some services add it afterwards).</summary>
    public bool OmitSessionToken { get; init; }
}

/// <summary>What signing produced. Header signing adds <see cref="AddedHeaders"/> (in this order); query signing appends
/// <see cref="AddedQuery"/> (already encoded) to the query string.</summary>
public sealed record SigV4Result(string CanonicalRequest, string StringToSign, string Signature, IReadOnlyList<KeyValuePair<string, string>> AddedHeaders, IReadOnlyList<KeyValuePair<string, string>> AddedQuery);

/// <summary>
/// AWS Signature Version 4 (<c>AWS4-HMAC-SHA256</c>), written here rather than taken from the AWS SDK: ECR's two calls
/// need only this, and it is checked against every case of the public conformance suite (tests/Flows.Deploy.Tests/Aws/vectors).
/// </summary>
public static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    private const string EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    public static SigV4Result SignHeaders(SigV4Request request, AwsCredentials credentials, SigV4Options options)
    {
        var date = AmzDate(options.Time);
        var payloadHash = Hex(SHA256.HashData(request.Body.Span));
        var added = new List<KeyValuePair<string, string>>();
        if (credentials.SessionToken is { Length: > 0 } token)
        {
            added.Add(new("X-Amz-Security-Token", token));
        }

        added.Add(new("X-Amz-Date", date));
        if (options.SignBody)
        {
            added.Add(new("x-amz-content-sha256", payloadHash));
        }

        // With OmitSessionToken the token is sent but not signed (it is added after signing, as STS-style services expect).
        var headers = CanonicalHeaders(request.Headers.Concat(options.OmitSessionToken ? added.Where(h => h.Key != "X-Amz-Security-Token") : added));
        var signedHeaders = string.Join(';', headers.Keys);
        var canonical = CanonicalRequest(request.Method, CanonicalPath(request.Path, options.NormalizePath), CanonicalQuery(ParseQuery(request.Query)), headers, signedHeaders, payloadHash);
        var (stringToSign, signature) = Sign(canonical, credentials, options, date);
        added.Add(new("Authorization", $"{Algorithm} Credential={credentials.AccessKeyId}/{Scope(options, date)}, SignedHeaders={signedHeaders}, Signature={signature}"));
        return new SigV4Result(canonical, stringToSign, signature, added, []);
    }

    public static SigV4Result SignQuery(SigV4Request request, AwsCredentials credentials, SigV4Options options, TimeSpan expires)
    {
        var date = AmzDate(options.Time);
        var payloadHash = Hex(SHA256.HashData(request.Body.Span));
        var headers = CanonicalHeaders(request.Headers);
        var signedHeaders = string.Join(';', headers.Keys);
        var added = new List<KeyValuePair<string, string>>
        {
            new("X-Amz-Algorithm", Algorithm),
            new("X-Amz-Credential", $"{credentials.AccessKeyId}/{Scope(options, date)}"),
            new("X-Amz-Date", date),
            new("X-Amz-SignedHeaders", signedHeaders),
            new("X-Amz-Expires", ((long)expires.TotalSeconds).ToString(CultureInfo.InvariantCulture)),
        };
        if (credentials.SessionToken is { Length: > 0 } token && !options.OmitSessionToken)
        {
            added.Add(new("X-Amz-Security-Token", token));
        }

        var query = ParseQuery(request.Query).Concat(added);
        var canonical = CanonicalRequest(request.Method, CanonicalPath(request.Path, options.NormalizePath), CanonicalQuery(query), headers, signedHeaders, payloadHash);
        var (stringToSign, signature) = Sign(canonical, credentials, options, date);
        if (credentials.SessionToken is { Length: > 0 } unsigned && options.OmitSessionToken)
        {
            added.Add(new("X-Amz-Security-Token", unsigned));
        }

        added.Add(new("X-Amz-Signature", signature));
        return new SigV4Result(canonical, stringToSign, signature, [],
            added.Select(p => new KeyValuePair<string, string>(UriEncode(p.Key, encodeSlash: true), UriEncode(p.Value, encodeSlash: true))).ToList());
    }

    /// <summary>Signs an outgoing request in place (header signing): adds X-Amz-Date, the session token and Authorization.</summary>
    public static async Task SignAsync(HttpRequestMessage request, AwsCredentials credentials, string region, string service, DateTimeOffset time, CancellationToken cancellationToken = default)
    {
        var uri = request.RequestUri ?? throw new ArgumentException("the request has no URI", nameof(request));
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var headers = new List<KeyValuePair<string, string>> { new("host", uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}") };
        headers.AddRange(request.Headers.Where(h => !h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)).Select(h => new KeyValuePair<string, string>(h.Key, string.Join(',', h.Value))));
        if (request.Content is not null)
        {
            headers.AddRange(request.Content.Headers.Where(h => !h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Select(h => new KeyValuePair<string, string>(h.Key, string.Join(',', h.Value))));
        }

        var result = SignHeaders(new SigV4Request(request.Method.Method, uri.AbsolutePath, uri.Query.TrimStart('?'), headers, body), credentials, new SigV4Options(region, service, time));
        foreach (var (name, value) in result.AddedHeaders)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
    }

    public static string CanonicalPath(string path, bool normalize)
    {
        if (path.Length == 0)
        {
            return "/";
        }

        if (normalize)
        {
            var segments = new List<string>();
            foreach (var segment in path.Split('/'))
            {
                if (segment is "" or ".")
                {
                    continue;
                }

                if (segment == "..")
                {
                    if (segments.Count > 0)
                    {
                        segments.RemoveAt(segments.Count - 1);
                    }

                    continue;
                }

                segments.Add(segment);
            }

            var trailing = path.EndsWith('/') || path.EndsWith("/.", StringComparison.Ordinal) || path.EndsWith("/..", StringComparison.Ordinal);
            path = "/" + string.Join('/', segments) + (trailing && segments.Count > 0 ? "/" : "");
        }

        return UriEncode(path, encodeSlash: false);
    }

    /// <summary>Parses <c>a=1&amp;b</c> into decoded pairs (a bare key has an empty value).</summary>
    public static IEnumerable<KeyValuePair<string, string>> ParseQuery(string query)
    {
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? "" : part[(eq + 1)..];
            yield return new(Uri.UnescapeDataString(key), Uri.UnescapeDataString(value));
        }
    }

    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> decoded) =>
        string.Join('&', decoded.Select(p => (Key: UriEncode(p.Key, true), Value: UriEncode(p.Value, true)))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    /// <summary>RFC 3986 encoding as SigV4 wants it: unreserved characters as they are, everything else %XX of its UTF-8
    /// bytes (upper-case hex); '/' kept in paths.</summary>
    public static string UriEncode(string value, bool encodeSlash)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' || (c == '/' && !encodeSlash))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    public static byte[] SigningKey(string secretAccessKey, string date, string region, string service)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    public static string AmzDate(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    // Lower-cased names, sorted; values trimmed with inner runs of whitespace (the line breaks and indentation of a folded,
    // multi-line value included) collapsed to one space; repeated headers joined by ','.
    private static SortedDictionary<string, string> CanonicalHeaders(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in headers)
        {
            var key = name.Trim().ToLowerInvariant();
            var v = string.Join(' ', value.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
            result[key] = result.TryGetValue(key, out var existing) ? existing + "," + v : v;
        }

        return result;
    }

    private static string CanonicalRequest(string method, string path, string query, SortedDictionary<string, string> headers, string signedHeaders, string payloadHash)
    {
        var builder = new StringBuilder();
        builder.Append(method).Append('\n').Append(path).Append('\n').Append(query).Append('\n');
        foreach (var (name, value) in headers)
        {
            builder.Append(name).Append(':').Append(value).Append('\n');
        }

        return builder.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash.Length == 0 ? EmptyHash : payloadHash).ToString();
    }

    private static string Scope(SigV4Options options, string amzDate) => $"{amzDate[..8]}/{options.Region}/{options.Service}/aws4_request";

    private static (string StringToSign, string Signature) Sign(string canonicalRequest, AwsCredentials credentials, SigV4Options options, string amzDate)
    {
        var stringToSign = $"{Algorithm}\n{amzDate}\n{Scope(options, amzDate)}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        var key = SigningKey(credentials.SecretAccessKey, amzDate[..8], options.Region, options.Service);
        return (stringToSign, Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign))));
    }
}
