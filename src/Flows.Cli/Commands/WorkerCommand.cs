using System.CommandLine;
using Flows.Workers;

namespace Flows.Cli.Commands;

/// <summary><c>flows-deploy worker start --pool NAME</c>: Prefect's worker, running flow runs on this machine's infrastructure.</summary>
internal sealed class WorkerCommand : Command
{
    public WorkerCommand(CliConsole console) : base("worker", "Run a worker that takes flow runs from a work pool.")
    {
        Subcommands.Add(new StartCommand(console));
    }

    private sealed class StartCommand : Command
    {
        /// <summary>Overrides the health window (seconds): for a probe that should fire sooner or later than 5 minutes.</summary>
        public const string HealthWindowVariable = "FLOWS_WORKER_HEALTH_WINDOW_SECONDS";

        private static readonly Option<string> Pool = new("--pool", "-p") { Description = "The work pool.", Required = true };
        private static readonly Option<string?> Type = new("--type", "-t") { Description = "process, docker or kubernetes (default: the pool's type)." };
        private static readonly Option<int?> Limit = new("--limit", "-l") { Description = "At most this many flow runs at once." };
        private static readonly Option<string?> WorkerName = new("--name", "-n") { Description = "The worker's name (default: <type>-<host>-<id>)." };
        private static readonly Option<string[]> Queue = new("--work-queue", "-q") { Description = "Only this queue (repeatable; default: all of the pool's)." };
        private static readonly Option<double> Poll = new("--poll-seconds") { Description = "Seconds between polls.", DefaultValueFactory = _ => 1 };
        private static readonly Option<bool> HealthCheck = new("--with-healthcheck") { Description = "Serve GET /health for a liveness probe (PREFECT_WORKER_WEBSERVER_HOST/PORT, default 0.0.0.0:8080): 503 after 5 minutes without a successful poll." };

        public StartCommand(CliConsole console) : base("start", "Start a worker; Ctrl+C stops taking runs and waits for running ones.")
        {
            foreach (var option in new Option[] { Pool, Type, Limit, WorkerName, Queue, Poll, HealthCheck })
            {
                Options.Add(option);
            }

            Type.AcceptOnlyFromAmong("process", "docker", "kubernetes");
            SetAction(async (parse, cancellationToken) =>
            {
                if (parse.GetValue(Limit) is <= 0 || parse.GetValue(Poll) <= 0)
                {
                    return console.Fail(CliDiagnosticCodes.CommandLineInvalid, "--limit and --poll-seconds must be positive.", exitCode: ExitCodes.BadInput);
                }

                await using var session = await ApiConnection.OpenRequiredAsync(console, cancellationToken);
                var client = session.Client;
                var pollInterval = TimeSpan.FromSeconds(parse.GetValue(Poll));
                var health = parse.GetValue(HealthCheck) ? new WorkerHealth(HealthWindow(pollInterval)) : null;
                Microsoft.AspNetCore.Builder.WebApplication? healthServer = null;
                if (health is not null)
                {
                    try
                    {
                        (healthServer, var url) = await WorkerHealthServer.StartAsync(health, cancellationToken).ConfigureAwait(false);
                        await console.Out.WriteLineAsync($"Health check at {url.TrimEnd('/')}/health (unhealthy after {health.Window.TotalSeconds:0} s without a successful poll).").ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is ArgumentException or IOException or InvalidOperationException)
                    {
                        await console.Error.WriteLineAsync($"error {CliDiagnosticCodes.CommandLineInvalid}: cannot serve the health check: {e.Message}").ConfigureAwait(false);
                        return ExitCodes.BadInput;
                    }
                }

                await using var stopHealth = healthServer;
                var options = new WorkerOptions
                {
                    WorkPool = parse.GetValue(Pool)!,
                    Type = parse.GetValue(Type),
                    Limit = parse.GetValue(Limit),
                    Name = parse.GetValue(WorkerName),
                    WorkQueues = parse.GetValue(Queue) ?? [],
                    PollInterval = pollInterval,
                    Health = health,
                };
                try
                {
                    return await WorkerHost.RunAsync(client, options, console.Out, console.Error, cancellationToken).ConfigureAwait(false);
                }
                catch (HttpRequestException e)
                {
                    return console.Fail(CliDiagnosticCodes.ServerError, $"{client.Options.ApiUrl}: {e.Message} (is the server running? set PREFECT_API_URL, or start one with 'flows-deploy server start')", exitCode: ExitCodes.Failure);
                }
            });
        }

        private static TimeSpan HealthWindow(TimeSpan pollInterval) =>
            Flows.Shared.SettingValues.Seconds(Environment.GetEnvironmentVariable(HealthWindowVariable)) is { } window && window > TimeSpan.Zero
                ? window
                : WorkerHealth.WindowFor(pollInterval);
    }
}
