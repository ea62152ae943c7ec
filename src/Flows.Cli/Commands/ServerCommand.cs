using System.CommandLine;
using Flows.Server;

namespace Flows.Cli.Commands;

/// <summary><c>flows-deploy server start</c>: the embedded Prefect-compatible server (SQLite by default).</summary>
internal sealed class ServerCommand : Command
{
    public ServerCommand(CliConsole console) : base("server", "Run the embedded orchestration server (Prefect's REST API and UI).")
    {
        Subcommands.Add(new StartCommand(console));
    }

    private sealed class StartCommand : Command
    {
        private static readonly Option<string> Host = new("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        private static readonly Option<int> Port = new("--port") { Description = "Port (0 picks a free one).", DefaultValueFactory = _ => 4200 };
        private static readonly Option<string?> DatabaseUrl = new("--database-url") { Description = "sqlite:///path/flows.db or postgresql://user:pass@host/db (default: FLOWS_DATABASE_URL, else $FLOWS_HOME/flows.db)." };

        private static readonly Option<string?> PrefectUi = new("--prefect-ui")
        {
            Description = "Also serve Prefect's own web UI from this build folder at /prefect-ui (Prefect's ui/dist, or server/ui inside an installed "
                + "prefect package; read, never written). With API keys its login takes a key as the password.",
        };

        private static readonly Option<bool> AllowUnauthenticated = new("--allow-unauthenticated") { Description = "Serve a non-loopback address without API keys (FLOWS_SERVER_API_KEYS)." };

        private static readonly Option<string[]> AllowedHost = new("--allowed-host")
        {
            Description = "Without API keys, also answer requests for this Host name (besides localhost, 127.0.0.1, [::1]); repeatable (FLOWS_ALLOWED_HOSTS).",
            AllowMultipleArgumentsPerToken = false,
        };

        public StartCommand(CliConsole console) : base("start", "Start the server and serve until Ctrl+C.")
        {
            Options.Add(Host);
            Options.Add(Port);
            Options.Add(DatabaseUrl);
            Options.Add(PrefectUi);
            Options.Add(AllowUnauthenticated);
            Options.Add(AllowedHost);
            SetAction(async (parse, cancellationToken) =>
            {
                var options = FlowsServerOptions.FromEnvironment() with
                {
                    Host = parse.GetValue(Host)!,
                    Port = parse.GetValue(Port),
                    AllowUnauthenticated = parse.GetValue(AllowUnauthenticated),
                    PrefectUiDirectory = parse.GetValue(PrefectUi) is { Length: > 0 } prefectUi ? Path.GetFullPath(prefectUi) : null,
                };
                if (parse.GetValue(DatabaseUrl) is { Length: > 0 } url)
                {
                    options = options with { DatabaseUrl = url };
                }

                if (parse.GetValue(AllowedHost) is { Length: > 0 } hosts)
                {
                    options = options with { AllowedHosts = [.. options.AllowedHosts, .. hosts] };
                }

                if (options.AllowUnauthenticated && options.ApiKeys.Count == 0)
                {
                    // Loud on purpose: without keys, whoever reaches the port can run code on every worker.
                    await console.Error.WriteLineAsync(
                        $"warning {CliDiagnosticCodes.UnauthenticatedServer}: --allow-unauthenticated: {options.Host}:{options.Port} serves the API WITHOUT API keys. "
                        + "Anyone who can reach it can create and change flow runs, and so run code on every worker of its pools. Set FLOWS_SERVER_API_KEYS.").ConfigureAwait(false);
                }

                try
                {
                    await using var host = await FlowsServer.StartAsync(options, cancellationToken: cancellationToken).ConfigureAwait(false);
                    var uiUrl = host.ApiUrl.ToString().TrimEnd('/')[..^4];
                    await console.Out.WriteLineAsync($"Server running. API: {host.ApiUrl}  UI: {uiUrl}").ConfigureAwait(false);
                    if (options.PrefectUiDirectory is not null)
                    {
                        await console.Out.WriteLineAsync($"Prefect's UI: {uiUrl}{FlowsServerOptions.PrefectUiPath}/").ConfigureAwait(false);
                    }

                    await console.Out.WriteLineAsync($"Point the tools at it with: export PREFECT_API_URL={host.ApiUrl}").ConfigureAwait(false);
                    await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Ok;
                }
                catch (OperationCanceledException)
                {
                    return ExitCodes.Ok;
                }
                catch (ArgumentException e)
                {
                    await console.Error.WriteLineAsync($"error {CliDiagnosticCodes.CommandLineInvalid}: {e.Message}").ConfigureAwait(false);
                    return ExitCodes.BadInput;
                }
            });
        }
    }
}
