using System.Net;
using System.Text.Json;

namespace Flows.Api.Client;

/// <summary>An error answer from the API, carrying the server's <c>detail</c>.</summary>
public class PrefectApiException : Exception
{
    public PrefectApiException()
    {
    }

    public PrefectApiException(string message) : base(message)
    {
    }

    public PrefectApiException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public PrefectApiException(HttpStatusCode statusCode, string method, string path, string? detail, Exception? innerException = null)
        : base(BuildMessage(statusCode, method, path, detail), innerException)
    {
        StatusCode = statusCode;
        Method = method;
        Path = path;
        Detail = detail;
    }

    /// <summary>HTTP status of the answer (0 when none arrived).</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>HTTP method of the call.</summary>
    public string Method { get; } = string.Empty;

    /// <summary>Path relative to the API root.</summary>
    public string Path { get; } = string.Empty;

    /// <summary>The server's <c>detail</c> (validation errors joined into one line), or the raw body.</summary>
    public string? Detail { get; }

    /// <summary>True for 404.</summary>
    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    private static string BuildMessage(HttpStatusCode statusCode, string method, string path, string? detail)
        => $"{method} {path} failed with {(int)statusCode} {statusCode}" + (string.IsNullOrEmpty(detail) ? "." : $": {detail}");

    /// <summary>
    /// Extracts <c>detail</c> from an error body: a string as is; FastAPI's validation list as
    /// "loc: msg; loc: msg"; anything else as raw text (trimmed).
    /// </summary>
    public static string? ExtractDetail(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("detail", out var detail))
            {
                return detail.ValueKind switch
                {
                    JsonValueKind.String => detail.GetString(),
                    JsonValueKind.Array => string.Join("; ", detail.EnumerateArray().Select(FormatValidationError)),
                    _ => detail.GetRawText(),
                };
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, say): fall through to the raw text.
        }

        var text = body.Trim();
        return text.Length > 500 ? text[..500] + "…" : text;
    }

    private static string FormatValidationError(JsonElement error)
    {
        if (error.ValueKind != JsonValueKind.Object)
        {
            return error.ToString();
        }

        var msg = error.TryGetProperty("msg", out var m) ? m.ToString() : error.GetRawText();
        if (error.TryGetProperty("loc", out var loc) && loc.ValueKind == JsonValueKind.Array)
        {
            return string.Join(".", loc.EnumerateArray().Select(l => l.ToString())) + ": " + msg;
        }

        return msg;
    }
}
