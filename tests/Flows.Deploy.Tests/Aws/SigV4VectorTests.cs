using System.Text;
using System.Text.Json;
using Flows.Deploy.Aws;

namespace Flows.Deploy.Tests.Aws;

/// <summary>Every case of the public SigV4 conformance suite (Aws/vectors), header and query signing: canonical request,
/// string to sign, signature and the signed request must equal the suite's files byte for byte.</summary>
public sealed class SigV4VectorTests
{
    private static readonly string Root = Path.Combine(TestSupport.RepoRoot, "tests", "Flows.Deploy.Tests", "Aws", "vectors");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Root).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    [Fact]
    public void The_suite_is_all_there()
    {
        // All 38 cases of aws-c-auth's v4 suite; a lost folder would otherwise shrink the theory silently.
        Assert.Equal(38, Directory.GetDirectories(Root).Length);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Header_signing_matches_the_suite(string name)
    {
        var (request, credentials, options, requestLine, rawHeaders, body, _) = Load(name);
        var result = SigV4.SignHeaders(request, credentials, options);

        Assert.Equal(Expected(name, "header-canonical-request.txt"), result.CanonicalRequest);
        Assert.Equal(Expected(name, "header-string-to-sign.txt"), result.StringToSign);
        Assert.Equal(Expected(name, "header-signature.txt"), result.Signature);
        var signed = new StringBuilder(requestLine).Append('\n');
        foreach (var line in rawHeaders.Concat(result.AddedHeaders.Select(h => $"{h.Key}:{h.Value}")))
        {
            signed.Append(line).Append('\n');
        }

        Assert.Equal(Expected(name, "header-signed-request.txt"), signed.Append('\n').Append(body).ToString());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Query_signing_matches_the_suite(string name)
    {
        var (request, credentials, options, requestLine, rawHeaders, body, expires) = Load(name);
        var result = SigV4.SignQuery(request, credentials, options, expires);

        Assert.Equal(Expected(name, "query-canonical-request.txt"), result.CanonicalRequest);
        Assert.Equal(Expected(name, "query-string-to-sign.txt"), result.StringToSign);
        Assert.Equal(Expected(name, "query-signature.txt"), result.Signature);
        var parts = requestLine.Split(' ');
        var original = string.Join(' ', parts[1..^1]);
        var added = string.Join('&', result.AddedQuery.Select(p => $"{p.Key}={p.Value}"));
        var target = original + (original.Contains('?', StringComparison.Ordinal) ? "&" : "?") + added;
        var signed = new StringBuilder($"{parts[0]} {target} {parts[^1]}").Append('\n');
        foreach (var line in rawHeaders)
        {
            signed.Append(line).Append('\n');
        }

        Assert.Equal(Expected(name, "query-signed-request.txt"), signed.Append('\n').Append(body).ToString());
    }

    // The signed-request files end with the blank line (and the body, if any) and are compared exactly; the others may
    // end with a newline the signer does not produce.
    private static string Expected(string name, string file)
    {
        var text = File.ReadAllText(Path.Combine(Root, name, file));
        return file.EndsWith("signed-request.txt", StringComparison.Ordinal) ? text : text.TrimEnd('\n');
    }

    private static (SigV4Request Request, AwsCredentials Credentials, SigV4Options Options, string RequestLine, List<string> RawHeaders, string Body, TimeSpan Expires) Load(string name)
    {
        var dir = Path.Combine(Root, name);
        using var context = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "context.json")));
        var c = context.RootElement;
        var creds = c.GetProperty("credentials");
        var credentials = new AwsCredentials(creds.GetProperty("access_key_id").GetString()!, creds.GetProperty("secret_access_key").GetString()!,
            creds.TryGetProperty("token", out var token) ? token.GetString() : null, Source: "vector");
        var options = new SigV4Options(c.GetProperty("region").GetString()!, c.GetProperty("service").GetString()!, DateTimeOffset.Parse(c.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture))
        {
            NormalizePath = c.GetProperty("normalize").GetBoolean(),
            SignBody = c.GetProperty("sign_body").GetBoolean(),
            OmitSessionToken = c.TryGetProperty("omit_session_token", out var omit) && omit.GetBoolean(),
        };

        var text = File.ReadAllText(Path.Combine(dir, "request.txt"));
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        var head = split < 0 ? text.TrimEnd('\n') : text[..split];
        var body = split < 0 ? "" : text[(split + 2)..];
        var lines = head.Split('\n');
        var requestLine = lines[0];
        var parts = requestLine.Split(' ');
        // The request line's target may hold spaces ("GET /example space/ HTTP/1.1"): method first, version last.
        var target = string.Join(' ', parts[1..^1]);
        var q = target.IndexOf('?', StringComparison.Ordinal);
        // A line starting with whitespace continues the previous header's value (get-header-value-multiline).
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var l in lines[1..])
        {
            if (l.Length > 0 && char.IsWhiteSpace(l[0]) && headers.Count > 0)
            {
                headers[^1] = new(headers[^1].Key, headers[^1].Value + "\n" + l);
                continue;
            }

            var colon = l.IndexOf(':', StringComparison.Ordinal);
            headers.Add(new(l[..colon], l[(colon + 1)..]));
        }

        var request = new SigV4Request(parts[0], q < 0 ? target : target[..q], q < 0 ? "" : target[(q + 1)..], headers, Encoding.UTF8.GetBytes(body));
        return (request, credentials, options, requestLine, [.. lines[1..]], body, TimeSpan.FromSeconds(c.GetProperty("expiration_in_seconds").GetInt32()));
    }
}
