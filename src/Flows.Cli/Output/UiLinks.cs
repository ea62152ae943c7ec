namespace Flows.Cli.Output;

/// <summary>
/// The "see it here" URLs the commands print, in Prefect's own shapes (<c>prefect.utilities.urls.url_for</c>), so
/// a printed link opens the right page whichever UI is behind the API: ours (which answers Prefect's paths),
/// Prefect's server, or Prefect Cloud.
/// </summary>
internal static class UiLinks
{
    private const string CloudApiUrl = "https://api.prefect.cloud/api";
    private const string CloudUiUrl = "https://app.prefect.cloud";

    /// <summary>
    /// The UI's root for an API URL, as Prefect's <c>default_ui_url</c> infers it: <c>PREFECT_UI_URL</c> when set;
    /// else the API URL without its <c>/api</c>, Cloud's API host swapped for its app host and
    /// <c>accounts/…/workspaces/…</c> for <c>account/…/workspace/…</c>.
    /// </summary>
    public static string UiUrl(string apiUrl, Func<string, string?> environment)
    {
        if (environment("PREFECT_UI_URL") is { Length: > 0 } configured)
        {
            return configured.TrimEnd('/');
        }

        var ui = apiUrl.TrimEnd('/');
        if (ui.StartsWith(CloudApiUrl, StringComparison.Ordinal))
        {
            ui = CloudUiUrl + ui[CloudApiUrl.Length..];
        }

        if (ui.EndsWith("/api", StringComparison.Ordinal))
        {
            ui = ui[..^4];
        }

        return ui.Replace("/api/", "/", StringComparison.Ordinal)
            .Replace("/accounts/", "/account/", StringComparison.Ordinal)
            .Replace("/workspaces/", "/workspace/", StringComparison.Ordinal);
    }

    /// <summary>A flow run's page: <c>&lt;ui&gt;/runs/flow-run/&lt;id&gt;</c>.</summary>
    public static string FlowRun(string uiUrl, Guid id) => $"{uiUrl.TrimEnd('/')}/runs/flow-run/{id}";
}
