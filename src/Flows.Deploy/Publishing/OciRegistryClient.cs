using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Flows.Deploy.Publishing;

/// <summary>
/// The registry HTTP API v2 over HttpClient. Auth follows the registry's challenge, as docker and the SDK do: a
/// <c>Basic</c> challenge gets the credential directly; a <c>Bearer realm=…,service=…,scope=…</c> challenge gets a token
/// from the realm (with the credential, or anonymously). Plain http is used for loopback registries and for those in
/// <c>DOTNET_CONTAINER_INSECURE_REGISTRIES</c> (the SDK's rule), https otherwise.
/// </summary>
public sealed class OciRegistryClient : IRegistryClient, IDisposable
{
    public static readonly string[] ManifestMediaTypes =
    [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ];

    private readonly HttpClient _http;
    private readonly IRegistryAccess _access;
    private readonly Uri _base;
    private readonly Func<string, string?> _environment;
    private readonly HashSet<string> _prepared = new(StringComparer.Ordinal);
    private RegistryCredential? _credential;
    private AuthenticationHeaderValue? _authorization;

    public OciRegistryClient(string registry, RegistryCredential? credential, HttpMessageHandler handler, Func<string, string?>? environment = null)
        : this(registry, new StaticRegistryAccess(credential), handler, environment)
    {
    }

    /// <summary>A client whose credentials come from <paramref name="access"/>. <paramref name="endpoint"/>: where requests
    /// go when that is not the registry host itself (the test-only ECR mapping, <c>FLOWS_TEST_ECR_REGISTRY_ENDPOINT</c>).</summary>
    public OciRegistryClient(string registry, IRegistryAccess access, HttpMessageHandler handler, Func<string, string?>? environment = null, Uri? endpoint = null)
    {
        Registry = registry;
        _access = access;
        _environment = environment ?? Environment.GetEnvironmentVariable;
        _base = endpoint ?? new Uri($"{(IsInsecure(registry, _environment) ? "http" : "https")}://{registry}/");
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = TimeSpan.FromMinutes(10) };
    }

    /// <summary>The default stack: retries (429/5xx/socket) over a pooled socket handler; credentials from
    /// <see cref="RegistryAccessFactory"/> (ECR natively, else as the SDK finds them).</summary>
    public static OciRegistryClient Create(string registry, Func<string, string?> environment, ILogger logger, out RegistryRetryHandler retries, RegistryAccessOptions? options = null)
    {
        var (access, endpoint) = RegistryAccessFactory.Create(registry, environment, logger, options ?? new RegistryAccessOptions());
        retries = new RegistryRetryHandler(logger) { InnerHandler = new SocketsHttpHandler { AllowAutoRedirect = true } };
        return new OciRegistryClient(registry, access, retries, environment, endpoint);
    }

    public string Registry { get; }

    public static bool IsInsecure(string registry, Func<string, string?> environment)
    {
        var host = registry.Split(':')[0];
        if (host is "localhost" or "127.0.0.1" or "[::1]")
        {
            return true;
        }

        return (environment("DOTNET_CONTAINER_INSECURE_REGISTRIES") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Contains(registry, StringComparer.OrdinalIgnoreCase);
    }

    public async Task<string?> HeadManifestAsync(string repository, string reference, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(repository, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Head, $"v2/{repository}/manifests/{reference}");
            foreach (var type in ManifestMediaTypes)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            }

            return request;
        }, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        EnsureSuccess(response, repository, $"reading manifest '{reference}'");
        return response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.First() : null;
    }

    public async Task<bool> BlobExistsAsync(string repository, string digest, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(repository, () => new HttpRequestMessage(HttpMethod.Head, $"v2/{repository}/blobs/{digest}"), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        EnsureSuccess(response, repository, $"checking blob {digest}");
        return true;
    }

    public async Task UploadBlobAsync(string repository, string digest, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        await PrepareAsync(repository, cancellationToken).ConfigureAwait(false);
        Uri location;
        using (var start = await SendAsync(repository, () => new HttpRequestMessage(HttpMethod.Post, $"v2/{repository}/blobs/uploads/"), cancellationToken).ConfigureAwait(false))
        {
            EnsureSuccess(start, repository, "starting a blob upload");
            location = start.Headers.Location is { } l ? new Uri(_base, l) : throw new RegistryException(PublishDiagnosticCodes.RegistryError,
                $"registry {Registry} started an upload for '{repository}' without a Location header", "Check that the registry implements the distribution API v2.");
        }

        var put = new UriBuilder(location);
        put.Query = (string.IsNullOrEmpty(put.Query) ? "" : put.Query.TrimStart('?') + "&") + "digest=" + Uri.EscapeDataString(digest);
        using var done = await SendAsync(repository, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, put.Uri) { Content = new ReadOnlyMemoryContent(content) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return request;
        }, cancellationToken).ConfigureAwait(false);
        EnsureSuccess(done, repository, $"uploading blob {digest}");
    }

    public async Task<string> PutManifestAsync(string repository, string reference, string mediaType, ReadOnlyMemory<byte> manifest, CancellationToken cancellationToken = default)
    {
        await PrepareAsync(repository, cancellationToken).ConfigureAwait(false);
        using var response = await SendAsync(repository, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, $"v2/{repository}/manifests/{reference}") { Content = new ReadOnlyMemoryContent(manifest) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return request;
        }, cancellationToken).ConfigureAwait(false);
        EnsureSuccess(response, repository, $"writing manifest '{reference}'");
        return response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.First()
            : throw new RegistryException(PublishDiagnosticCodes.RegistryError, $"registry {Registry} accepted manifest '{repository}:{reference}' without a Docker-Content-Digest header",
                "Check that the registry implements the distribution API v2.");
    }

    public void Dispose() => _http.Dispose();

    private async Task PrepareAsync(string repository, CancellationToken cancellationToken)
    {
        if (_prepared.Add(repository))
        {
            await _access.PrepareRepositoryAsync(repository, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string repository, Func<HttpRequestMessage> create, CancellationToken cancellationToken)
    {
        var response = await SendOnceAsync(create, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
        response.Dispose();
        // A cached credential (ECR's token) that the registry refuses is fetched anew once before giving up.
        for (var refresh = false; ; refresh = true)
        {
            _credential = await _access.GetCredentialAsync(refresh, cancellationToken).ConfigureAwait(false);
            _authorization = await AuthorizeAsync(challenge, repository, cancellationToken).ConfigureAwait(false);
            response = await SendOnceAsync(create, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden))
            {
                return response;
            }

            response.Dispose();
            if (refresh || !_access.CanRefresh)
            {
                throw AuthFailed(repository);
            }
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(Func<HttpRequestMessage> create, CancellationToken cancellationToken)
    {
        using var request = create();
        if (request.RequestUri is { IsAbsoluteUri: false } relative)
        {
            request.RequestUri = new Uri(_base, relative);
        }

        request.Headers.Authorization = _authorization;
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new RegistryException(PublishDiagnosticCodes.RegistryUnreachable, $"registry {Registry} is unreachable ({_base}): {e.Message}",
                "Check the registry host and port, and that it is running (CI: bash .ci/registry.sh).", e);
        }
    }

    private async Task<AuthenticationHeaderValue> AuthorizeAsync(AuthenticationHeaderValue? challenge, string repository, CancellationToken cancellationToken)
    {
        if (challenge is null || challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return _credential is null ? throw AuthFailed(repository)
                : CredentialDestination.Refusal(Registry, _base, _base, _environment) is { } refused ? throw refused : Basic(_credential);
        }

        if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            throw new RegistryException(PublishDiagnosticCodes.RegistryAuthFailed, $"registry {Registry} asks for '{challenge.Scheme}' authentication, which is not supported",
                "Use a registry that accepts Basic or Bearer token authentication.");
        }

        var parameters = ParseChallenge(challenge.Parameter ?? "");
        if (!parameters.TryGetValue("realm", out var realm))
        {
            throw AuthFailed(repository);
        }

        var query = new List<string>();
        if (parameters.TryGetValue("service", out var service))
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }

        query.Add("scope=" + Uri.EscapeDataString(parameters.GetValueOrDefault("scope") ?? $"repository:{repository}:pull,push"));
        if (!Uri.TryCreate(realm, UriKind.Absolute, out var realmUri) || realmUri.Scheme is not ("http" or "https"))
        {
            throw new RegistryException(PublishDiagnosticCodes.RegistryAuthFailed, $"registry {Registry} names a token realm that is not an http(s) URL: '{realm}'",
                "Check the registry's token authentication settings.");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, realm + (realm.Contains('?', StringComparison.Ordinal) ? "&" : "?") + string.Join("&", query));
        if (_credential is not null)
        {
            // The realm is the registry's choice: the credential goes only where CredentialDestination allows.
            request.Headers.Authorization = CredentialDestination.Refusal(Registry, _base, realmUri, _environment) is { } refused ? throw refused : Basic(_credential);
        }

        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw AuthFailed(repository);
        }

        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        var token = body?["token"]?.GetValue<string>() ?? body?["access_token"]?.GetValue<string>() ?? throw AuthFailed(repository);
        return new AuthenticationHeaderValue("Bearer", token);
    }

    private static Dictionary<string, string> ParseChallenge(string parameter)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < parameter.Length)
        {
            var eq = parameter.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }

            var key = parameter[i..eq].Trim(' ', ',');
            string value;
            if (eq + 1 < parameter.Length && parameter[eq + 1] == '"')
            {
                var end = parameter.IndexOf('"', eq + 2);
                end = end < 0 ? parameter.Length : end;
                value = parameter[(eq + 2)..end];
                i = end + 1;
            }
            else
            {
                var end = parameter.IndexOf(',', eq + 1);
                end = end < 0 ? parameter.Length : end;
                value = parameter[(eq + 1)..end];
                i = end;
            }

            result[key] = value;
            i++;
        }

        return result;
    }

    private static AuthenticationHeaderValue Basic(RegistryCredential credential) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.UserName}:{credential.Secret}")));

    private RegistryException AuthFailed(string repository) => _access.Refused(Registry, repository, _credential);

    private void EnsureSuccess(HttpResponseMessage response, string repository, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new RegistryException(PublishDiagnosticCodes.RegistryError,
                $"registry {Registry} answered {(int)response.StatusCode} {response.ReasonPhrase} when {what} in '{repository}'",
                (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests
                    ? "The registry kept failing after retries; try again later."
                    : "Check the repository name and that the credentials may push to it.");
        }
    }
}
