namespace Flows.Api.Client;

/// <summary>The address <c>flows-deploy server start</c> listens on by default: where the tools look when
/// <c>PREFECT_API_URL</c> is unset, as Prefect's CLI defaults to its local server.</summary>
public static class LocalServer
{
    public const string ApiUrl = "http://127.0.0.1:4200/api";

    /// <summary>Whether a server answers <c>/health</c> there within half a second.</summary>
    public static async Task<bool> AnswersAsync(CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMilliseconds(500) };
        try
        {
            using var response = await http.GetAsync(new Uri(ApiUrl + "/health"), cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Client options for it.</summary>
    public static PrefectClientOptions Options => new() { ApiUrl = PrefectApiUrl.Parse(ApiUrl) };
}
