using Flows.Api.Client;

namespace Flows.Cli;

/// <summary>
/// The API the commands talk to: <c>PREFECT_API_URL</c>/<c>PREFECT_API_KEY</c> as Prefect's CLI reads them,
/// else the embedded server's default address (what <c>flows-deploy server start</c> listens on).
/// </summary>
internal static class ApiConnection
{
    public const string DefaultApiUrl = "http://127.0.0.1:4200/api";

    public static PrefectClient Create(CliConsole console) =>
        new(PrefectClientOptions.FromEnvironment(console.Environment) ?? new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(DefaultApiUrl) });

    /// <summary>Where the UI of that API is (the server root), for "look at it here" lines.</summary>
    public static string UiUrl(PrefectClient client)
    {
        var api = client.Options.ApiUrl.ToString();
        return api.EndsWith("/api", StringComparison.Ordinal) ? api[..^4] : api;
    }
}
