using Flows.Api.Client;
using Flows.Server;

namespace Flows.Cli;

/// <summary>
/// The API the commands talk to, in Prefect's order: <c>PREFECT_API_URL</c>/<c>PREFECT_API_KEY</c> when set; else a
/// server already listening at the default address (what <c>flows-deploy server start</c> listens on); else the
/// embedded server, in process for the command's duration, on the default SQLite file (<c>$FLOWS_HOME/flows.db</c>,
/// the same one <c>server start</c> and <c>dev</c> use), as Prefect's ephemeral mode does.
/// </summary>
internal static class ApiConnection
{
    public const string DefaultApiUrl = LocalServer.ApiUrl;

    /// <summary>Opens the API; <paramref name="embedded"/>: may start the in-process server when nothing else answers
    /// (false for commands that must not write anything, such as <c>deploy --dry-run</c>: they get null then).</summary>
    public static async Task<ApiSession?> OpenAsync(CliConsole console, CancellationToken cancellationToken, bool embedded = true)
    {
        if (PrefectClientOptions.FromEnvironment(console.Environment) is { } options)
        {
            return new ApiSession(new PrefectClient(options), null);
        }

        if (await LocalServer.AnswersAsync(cancellationToken).ConfigureAwait(false))
        {
            return new ApiSession(new PrefectClient(LocalServer.Options), null);
        }

        if (!embedded)
        {
            return null;
        }

        // Loopback only, on any free port, no API keys (nothing but this process and its children can reach it).
        var serverOptions = FlowsServerOptions.FromEnvironment(console.Environment) with { Host = "127.0.0.1", Port = 0, ApiKeys = [] };
        var host = await FlowsServer.StartAsync(serverOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
        await console.Error.WriteLineAsync($"PREFECT_API_URL is not set and no server answers at {DefaultApiUrl}: using the embedded server on {host.Database.Description} for this command.").ConfigureAwait(false);
        return new ApiSession(new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(host.ApiUrl.ToString()) }), host);
    }

    /// <summary><see cref="OpenAsync"/> for commands that always need a server.</summary>
    public static async Task<ApiSession> OpenRequiredAsync(CliConsole console, CancellationToken cancellationToken) =>
        (await OpenAsync(console, cancellationToken).ConfigureAwait(false))!;

    /// <summary>Where the UI of that API is, for "look at it here" lines (see <see cref="Output.UiLinks.UiUrl"/>).</summary>
    public static string UiUrl(PrefectClient client, CliConsole console) => Output.UiLinks.UiUrl(client.Options.ApiUrl.ToString(), console.Environment);
}

/// <summary>A client and, when the command started it, the embedded server behind it (stopped on dispose).</summary>
internal sealed class ApiSession(PrefectClient client, FlowsServerHost? embedded) : IAsyncDisposable
{
    public PrefectClient Client { get; } = client;

    /// <summary>True when the server lives only as long as this command.</summary>
    public bool IsEmbedded => embedded is not null;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (embedded is not null)
        {
            await embedded.DisposeAsync().ConfigureAwait(false);
        }
    }
}
