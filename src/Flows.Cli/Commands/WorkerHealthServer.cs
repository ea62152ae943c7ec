using System.Globalization;
using Flows.Workers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Flows.Cli.Commands;

/// <summary>
/// <c>worker start --with-healthcheck</c>: Prefect's worker webserver, <c>GET /health</c> answering 200
/// <c>{"message": "OK"}</c> while the worker polls and 503 once it has not for <see cref="WorkerHealth.Window"/>, on
/// Prefect's settings <c>PREFECT_WORKER_WEBSERVER_HOST</c> (default 0.0.0.0) and <c>PREFECT_WORKER_WEBSERVER_PORT</c>
/// (default 8080), so a liveness probe written for Prefect's worker works for ours.
/// </summary>
internal static class WorkerHealthServer
{
    public const string HostVariable = "PREFECT_WORKER_WEBSERVER_HOST";
    public const string PortVariable = "PREFECT_WORKER_WEBSERVER_PORT";

    /// <summary>Starts the endpoint; returns it (dispose to stop) and the URL it listens on.</summary>
    public static async Task<(WebApplication App, string Url)> StartAsync(WorkerHealth health, CancellationToken cancellationToken)
    {
        var host = Environment.GetEnvironmentVariable(HostVariable) is { Length: > 0 } h ? h : "0.0.0.0";
        var portText = Environment.GetEnvironmentVariable(PortVariable);
        var port = 8080;
        if (portText is { Length: > 0 } && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535))
        {
            throw new ArgumentException($"{PortVariable} must be a port number (0-65535), not '{portText}'.");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}"));
        var app = builder.Build();
        app.MapGet("/health", () => health.IsPolling
            ? Results.Json(new { message = "OK" })
            : Results.Json(new { message = "Worker may be unresponsive at this time" }, statusCode: StatusCodes.Status503ServiceUnavailable));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return (app, app.Urls.First());
    }
}
