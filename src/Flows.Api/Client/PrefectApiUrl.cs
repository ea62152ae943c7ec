namespace Flows.Api.Client;

/// <summary>
/// A parsed <c>PREFECT_API_URL</c>: a self-hosted server (<c>http://host:4200/api</c>) or a Prefect Cloud
/// workspace (<c>https://api.prefect.cloud/api/accounts/{account}/workspaces/{workspace}</c>).
/// <see cref="BaseAddress"/> always ends in '/', so relative paths ("flows/") append instead of replacing
/// the last segment.
/// </summary>
public sealed record PrefectApiUrl
{
    private PrefectApiUrl(Uri baseAddress, Guid? accountId, Guid? workspaceId)
    {
        BaseAddress = baseAddress;
        AccountId = accountId;
        WorkspaceId = workspaceId;
    }

    /// <summary>The API root with a trailing slash.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The Prefect Cloud account, when the URL is a workspace URL.</summary>
    public Guid? AccountId { get; }

    /// <summary>The Prefect Cloud workspace, when the URL is a workspace URL.</summary>
    public Guid? WorkspaceId { get; }

    /// <summary>True for a Prefect Cloud workspace URL.</summary>
    public bool IsCloudWorkspace => WorkspaceId is not null;

    /// <summary>Parses and normalizes an API URL; throws <see cref="ArgumentException"/> with the reason.</summary>
    public static PrefectApiUrl Parse(string url)
    {
        if (!TryParse(url, out var parsed, out var error))
        {
            throw new ArgumentException(error, nameof(url));
        }

        return parsed;
    }

    /// <summary>Parses an API URL without throwing.</summary>
    public static bool TryParse(string? url, out PrefectApiUrl result, out string error)
    {
        result = null!;
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error = $"PREFECT_API_URL '{url}' is not an absolute http(s) URL, e.g. http://127.0.0.1:4200/api.";
            return false;
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            error = $"PREFECT_API_URL '{url}' must not have a query or fragment.";
            return false;
        }

        var path = uri.AbsolutePath.TrimEnd('/');
        Guid? account = null, workspace = null;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var accountsAt = Array.IndexOf(segments, "accounts");
        if (accountsAt >= 0)
        {
            // Cloud form: .../accounts/{a}/workspaces/{w}, nothing after.
            if (segments.Length != accountsAt + 4 || segments[accountsAt + 2] != "workspaces"
                || !Guid.TryParse(segments[accountsAt + 1], out var a) || !Guid.TryParse(segments[accountsAt + 3], out var w))
            {
                error = $"PREFECT_API_URL '{url}' looks like a Prefect Cloud URL but is not of the form .../api/accounts/<account-id>/workspaces/<workspace-id>.";
                return false;
            }

            account = a;
            workspace = w;
        }

        var builder = new UriBuilder(uri) { Path = path + "/", Query = string.Empty, Fragment = string.Empty };
        result = new PrefectApiUrl(builder.Uri, account, workspace);
        error = string.Empty;
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => BaseAddress.ToString().TrimEnd('/');
}
