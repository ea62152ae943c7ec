using System.Net;

namespace Flows.Server.Hosting;

/// <summary>A client error: becomes <c>{"detail": …}</c> with this status (never a 500).</summary>
public sealed class ApiException : Exception
{
    public ApiException()
    {
    }

    public ApiException(string message) : base(message)
    {
    }

    public ApiException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public ApiException(HttpStatusCode status, string detail) : base(detail) => Status = status;

    public HttpStatusCode Status { get; } = HttpStatusCode.BadRequest;

    /// <summary>A whole JSON answer to send instead of <c>{"detail": message}</c> (request validation errors).</summary>
    public object? Payload { get; private init; }

    public static ApiException NotFound(string what) => new(HttpStatusCode.NotFound, $"{what} not found.");

    public static ApiException Invalid(string detail) => new(HttpStatusCode.UnprocessableEntity, detail);

    /// <summary>
    /// A 422 shaped like Prefect's for a request that fails validation: <c>detail</c> as FastAPI's list of
    /// <c>{loc, msg, type}</c> (the OpenAPI's HTTPValidationError) plus Prefect's own <c>exception_message</c>
    /// and <c>exception_detail</c>. <paramref name="location"/> starts at the body, e.g. body, flow_runs, id, any_.
    /// </summary>
    public static ApiException Validation(IReadOnlyList<string> location, string message, string type = "value_error")
    {
        var error = new Dictionary<string, object> { ["loc"] = location, ["msg"] = message, ["type"] = type };
        return new(HttpStatusCode.UnprocessableEntity, $"{string.Join('.', location)}: {message}")
        {
            Payload = new Dictionary<string, object>
            {
                ["detail"] = new[] { error }, ["exception_message"] = "Invalid request received.", ["exception_detail"] = new[] { error },
            },
        };
    }

    public static ApiException Conflict(string detail) => new(HttpStatusCode.Conflict, detail);
}
