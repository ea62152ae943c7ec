namespace Flows.Kubernetes.Fake;

/// <summary>One request the fake received, as sent: tests assert on what a client put on the wire.</summary>
/// <param name="Method">GET, POST, PUT, PATCH, DELETE.</param>
/// <param name="Path">The path without the query ("/apis/batch/v1/namespaces/prefect/jobs").</param>
/// <param name="Query">The raw query string including '?', or empty.</param>
/// <param name="ContentType">The request's Content-Type, or null.</param>
/// <param name="Body">The request body as text, or empty.</param>
public sealed record RecordedRequest(string Method, string Path, string Query, string? ContentType, string Body)
{
    /// <summary>A query parameter's value (first occurrence), or null.</summary>
    public string? QueryValue(string name) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(Query).TryGetValue(name, out var values) ? values.FirstOrDefault() : null;
}
