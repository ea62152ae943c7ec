using System.Text;
using System.Text.Json;

namespace Flows.Shared;

/// <summary>
/// Reads a docker-style auth file (<c>~/.docker/config.json</c>, <c>REGISTRY_AUTH_FILE</c>) for one registry, as the
/// docker CLI does: <c>credHelpers</c> for the registry (its helper's answer is final), then <c>auths</c> (<c>auth</c>
/// base64 <c>user:password</c>, <c>username</c>/<c>password</c>, <c>identitytoken</c>), then <c>credsStore</c>. Keys
/// match on their host part, so "host", "https://host" and "http://host/v1/" all serve <c>host</c> (the key equal to the
/// registry is preferred); Docker Hub's names (<c>docker.io</c>, <c>index.docker.io</c>, <c>registry-1.docker.io</c>,
/// <c>https://index.docker.io/v1/</c>) are one registry, asked of helpers as <c>https://index.docker.io/v1/</c> like the
/// CLI does. Which files to read, and in what order, is the caller's. Linked source (src/Shared, docs/DESIGN.md
/// "Shared helpers"): compiled into Flows.Deploy (push) and Flows.Workers (the docker worker's pull).
/// </summary>
internal static class DockerAuthFile
{
    /// <summary>The key the docker CLI writes Docker Hub's credentials under, and the address it asks helpers for.</summary>
    public const string DockerHubKey = "https://index.docker.io/v1/";

    private static readonly string[] DockerHubHosts = ["docker.io", "index.docker.io", "registry-1.docker.io"];

    /// <summary>
    /// The credentials <paramref name="path"/> holds for <paramref name="registry"/> (a host such as <c>localhost:5001</c>).
    /// Null: the file is absent or has nothing for the registry, or its helper has nothing (or did not answer in time).
    /// Throws <see cref="DockerAuthFileException"/> for a file that cannot be read or parsed and for a helper that cannot
    /// be run; its message never holds a secret.
    /// </summary>
    public static async Task<DockerCredential?> FindAsync(string path, string registry, DockerCredentialHelper helpers, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(registry);
        ArgumentNullException.ThrowIfNull(helpers);
        if (!File.Exists(path))
        {
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DockerAuthFileException(DockerAuthFileProblem.Unreadable, $"the docker auth file {path} cannot be read: {e.Message}", e);
        }
        catch (JsonException e)
        {
            // The position only: JsonException's own message may quote the file, which holds secrets.
            throw new DockerAuthFileException(DockerAuthFileProblem.Unreadable,
                $"the docker auth file {path} is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}).");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new DockerAuthFileException(DockerAuthFileProblem.Unreadable, $"the docker auth file {path} is not a JSON object.");
            }

            var host = HostOf(registry);
            var serverAddress = IsDockerHub(host) ? DockerHubKey : host;
            if (Section(root, "credHelpers") is { } helperSection)
            {
                foreach (var (key, value) in Matching(helperSection, host))
                {
                    if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } helper)
                    {
                        return await helpers.GetAsync(helper, serverAddress, $"credHelpers[\"{key}\"] in {path}", cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            if (Section(root, "auths") is { } auths)
            {
                foreach (var (key, entry) in Matching(auths, host))
                {
                    if (FromAuthsEntry(entry, $"auths[\"{key}\"] in {path}") is { } found)
                    {
                        return found;
                    }
                }
            }

            return root.TryGetProperty("credsStore", out var store) && store.ValueKind == JsonValueKind.String && store.GetString() is { Length: > 0 } storeName
                ? await helpers.GetAsync(storeName, serverAddress, $"credsStore in {path}", cancellationToken).ConfigureAwait(false)
                : null;
        }
    }

    /// <summary>The host part of a registry or of a key: "https://host:5000/v1/" is "host:5000".</summary>
    public static string HostOf(string key)
    {
        var scheme = key.IndexOf("://", StringComparison.Ordinal);
        var rest = scheme < 0 ? key : key[(scheme + 3)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? rest : rest[..slash];
    }

    public static bool IsDockerHub(string host) => DockerHubHosts.Contains(host, StringComparer.OrdinalIgnoreCase);

    private static JsonElement? Section(JsonElement root, string name) =>
        root.TryGetProperty(name, out var section) && section.ValueKind == JsonValueKind.Object ? section : null;

    /// <summary>The section's entries for <paramref name="host"/>: the key the CLI itself would write first, then the
    /// others whose host part matches, in file order.</summary>
    private static IEnumerable<(string Key, JsonElement Value)> Matching(JsonElement section, string host)
    {
        var hub = IsDockerHub(host);
        var preferred = hub ? DockerHubKey : host;
        var matches = section.EnumerateObject()
            .Where(p => hub ? IsDockerHub(HostOf(p.Name)) : string.Equals(HostOf(p.Name), host, StringComparison.OrdinalIgnoreCase))
            .Select(p => (p.Name, p.Value))
            .ToList();
        return matches.Where(m => string.Equals(m.Name, preferred, StringComparison.OrdinalIgnoreCase))
            .Concat(matches.Where(m => !string.Equals(m.Name, preferred, StringComparison.OrdinalIgnoreCase)));
    }

    private static DockerCredential? FromAuthsEntry(JsonElement entry, string origin)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (Text(entry, "auth") is { Length: > 0 } encoded)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            }
            catch (FormatException)
            {
                throw new DockerAuthFileException(DockerAuthFileProblem.Unreadable, $"{origin}: \"auth\" is not base64 (it should be base64 of user:password).");
            }

            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                return new DockerCredential(decoded[..colon], decoded[(colon + 1)..]);
            }
        }

        if (Text(entry, "username") is { Length: > 0 } user && Text(entry, "password") is { } password)
        {
            return new DockerCredential(user, password);
        }

        return Text(entry, "identitytoken") is { Length: > 0 } token ? new DockerCredential(DockerCredential.IdentityTokenUser, token) : null;
    }

    private static string? Text(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>What is wrong when a docker auth file cannot give an answer.</summary>
internal enum DockerAuthFileProblem
{
    /// <summary>The file cannot be read, is not JSON, or an entry in it is malformed.</summary>
    Unreadable,

    /// <summary>A credential helper it names cannot be started, or answered outside the protocol.</summary>
    HelperFailed,
}

/// <summary>A docker auth file that cannot be used, or a credential helper it names that cannot be run. The message
/// says which and where, and never holds a secret.</summary>
internal sealed class DockerAuthFileException(DockerAuthFileProblem problem, string message, Exception? inner = null) : Exception(message, inner)
{
    public DockerAuthFileProblem Problem { get; } = problem;
}
