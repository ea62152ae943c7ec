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

    public static ApiException NotFound(string what) => new(HttpStatusCode.NotFound, $"{what} not found.");

    public static ApiException Invalid(string detail) => new(HttpStatusCode.UnprocessableEntity, detail);

    public static ApiException Conflict(string detail) => new(HttpStatusCode.Conflict, detail);
}
