using System.Net;
using System.Text.Json;
using Flows.Server.Endpoints;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flows.Server;

/// <summary>
/// Starts the orchestration server in-process: the CLI's <c>server start</c>, the embedded server the
/// tools use without PREFECT_API_URL, tests and the bench all call <see cref="StartAsync"/>.
/// </summary>
public static class FlowsServer
{
    /// <summary>Opens (and migrates) the database, binds Kestrel and serves the API under <c>/api</c>.</summary>
    public static async Task<FlowsServerHost> StartAsync(FlowsServerOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var database = DatabaseUrl.Open(options.DatabaseUrl, options.ResolvedFlowsHome);
        try
        {
            await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            if (loggerFactory is not null)
            {
                builder.Services.AddSingleton(loggerFactory);
            }

            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
                if (options.Host == "localhost")
                {
                    kestrel.ListenLocalhost(options.Port);
                }
                else
                {
                    kestrel.Listen(IPAddress.Parse(options.Host), options.Port);
                }
            });
            if (options.SchedulerInterval > TimeSpan.Zero)
            {
                builder.Services.AddHostedService(sp => new Scheduling.SchedulerLoop(database, options.SchedulerInterval,
                    sp.GetRequiredService<ILoggerFactory>().CreateLogger<Scheduling.SchedulerLoop>()));
            }

            if (options.OrphanTimeout > TimeSpan.Zero)
            {
                builder.Services.AddHostedService(sp => new Orchestration.OrphanSweeperLoop(database, options.OrphanTimeout,
                    sp.GetRequiredService<ILoggerFactory>().CreateLogger<Orchestration.OrphanSweeperLoop>()));
            }

            if (options.LogRetention > TimeSpan.Zero)
            {
                builder.Services.AddHostedService(sp => new Storage.LogRetentionLoop(database, options.LogRetention,
                    sp.GetRequiredService<ILoggerFactory>().CreateLogger<Storage.LogRetentionLoop>()));
            }

            var app = builder.Build();
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Flows.Server");
            var auth = new Ui.UiAuth(options.ApiKeys);
            var guard = LocalRequestGuard.For(options);
            if (!auth.Required && !FlowsServerOptions.IsLoopback(options.Host))
            {
                logger.LogWarning("Serving {Host} WITHOUT API keys (--allow-unauthenticated): anyone who can reach this port can create and change runs, and so run code on every worker. Set FLOWS_SERVER_API_KEYS.", options.Host);
            }

            app.Use(async (context, next) => await HandleAsync(context, next, auth, guard, auth.Throttle, logger).ConfigureAwait(false));
            var api = app.MapGroup("/api");
            AdminEndpoints.Map(api, options.ResolvedFlowsHome, database);
            CollectionEndpoints.Map(api);
            FlowEndpoints.Map(api, database);
            FlowRunEndpoints.Map(api, database, options.ConcurrencySlotWait);
            FlowRunStateEndpoints.Map(api, database);
            FlowRunInsightEndpoints.Map(api, database);
            DeploymentEndpoints.Map(api, database);
            DeploymentScheduleEndpoints.Map(api, database);
            WorkPoolEndpoints.Map(api, database);
            WorkQueueEndpoints.Map(api, database);
            WorkerEndpoints.Map(api, database);
            LogEndpoints.Map(api, database, options);
            EventEndpoints.Map(api, database);
            VariableEndpoints.Map(api, database);
            BulkDeleteEndpoints.Map(api, database);
            UiApiEndpoints.Map(api, database);
            MissingObjectEndpoints.Map(api, database);
            Ui.UiEndpoints.Map(app, database, auth);
            if (options.PrefectUiDirectory is not null)
            {
                var bundle = PrefectUi.PrefectUiBundle.Load(options.PrefectUiDirectory, PrefectUi.PrefectUiEndpoints.BasePath);
                PrefectUi.PrefectUiEndpoints.Map(app, bundle, auth.Required);
            }

            app.MapFallback(context => WriteErrorAsync(context, HttpStatusCode.NotFound, "Not Found"));
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var bound = new Uri(address);
            var apiUrl = new UriBuilder(bound) { Host = options.Host == "localhost" ? "localhost" : options.Host, Path = "/api" }.Uri;
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("Flows server listening on {ApiUrl} ({Database})", apiUrl, database.Description);
            }
            return new FlowsServerHost(app, database, apiUrl);
        }
        catch
        {
            await database.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // Authentication and the error contract in one place: every API failure is JSON {"detail": ...}.
    // The web UI shares the keys: its login cookie is accepted too (see UiAuth), and a page asked for
    // without a key is sent to the login form rather than answered with JSON.
    private static async Task HandleAsync(HttpContext context, RequestDelegate next, Ui.UiAuth auth, LocalRequestGuard? guard, LoginThrottle throttle, ILogger logger)
    {
        if (guard?.Refusal(context) is { } refusal)
        {
            await WriteErrorAsync(context, refusal.Status, refusal.Detail).ConfigureAwait(false);
            return;
        }

        if (auth.Required && !Ui.UiAuth.IsPublic(context.Request.Path) && throttle.MustWait(context))
        {
            await WriteErrorAsync(context, HttpStatusCode.TooManyRequests, "Too many failed logins from this address: wait for Retry-After seconds.").ConfigureAwait(false);
            return;
        }

        if (auth.Required && !Ui.UiAuth.IsPublic(context.Request.Path) && !auth.IsAuthenticated(context))
        {
            if (Ui.UiAuth.OffersCredential(context))
            {
                throttle.RecordFailure(context.Connection.RemoteIpAddress);
            }

            if (context.Request.Path.StartsWithSegments("/api"))
            {
                await WriteErrorAsync(context, HttpStatusCode.Unauthorized, "Unauthorized: send Authorization: Bearer <PREFECT_API_KEY> (or Basic with the key as the password).").ConfigureAwait(false);
            }
            else
            {
                await Ui.UiEndpoints.RedirectToLoginAsync(context).ConfigureAwait(false);
            }

            return;
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.Payload is not null)
        {
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = (int)ex.Status;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(JsonSerializer.Serialize(ex.Payload)).ConfigureAwait(false);
            }
        }
        catch (ApiException ex)
        {
            await WriteErrorAsync(context, ex.Status, ex.Message).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            await WriteErrorAsync(context, (HttpStatusCode)ex.StatusCode, ex.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            await WriteErrorAsync(context, HttpStatusCode.InternalServerError, "Internal server error.").ConfigureAwait(false);
        }
    }

    private static async Task WriteErrorAsync(HttpContext context, HttpStatusCode status, string detail)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string> { ["detail"] = detail })).ConfigureAwait(false);
    }
}
