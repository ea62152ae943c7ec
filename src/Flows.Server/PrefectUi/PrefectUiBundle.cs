using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.StaticFiles;

namespace Flows.Server.PrefectUi;

/// <summary>
/// A build of Prefect's web UI (Prefect's <c>ui/dist</c>, or the <c>server/ui</c> folder of an installed
/// <c>prefect</c> package), read once into memory with its base-path placeholder rewritten, as Prefect's
/// <c>create_ui_app</c> does on a copy of its static folder. The source folder is only read: the copy lives in
/// memory (a few MB), so there is no cache folder to go stale and nothing to clean up.
/// </summary>
internal sealed class PrefectUiBundle
{
    /// <summary>The text Prefect's build leaves where the serving base path belongs.</summary>
    public const string Placeholder = "/PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER";

    private static readonly byte[] PlaceholderBytes = Encoding.UTF8.GetBytes(Placeholder);
    private static readonly FileExtensionContentTypeProvider ContentTypes = CreateContentTypes();

    private readonly Dictionary<string, PrefectUiFile> _files;

    private PrefectUiBundle(Dictionary<string, PrefectUiFile> files) => _files = files;

    /// <summary>The <c>index.html</c> every client-side route is answered with.</summary>
    public PrefectUiFile Index => _files["index.html"];

    /// <summary>Reads <paramref name="directory"/> and rewrites the placeholder to <paramref name="basePath"/> (e.g. <c>/prefect-ui</c>).</summary>
    public static PrefectUiBundle Load(string directory, string basePath)
    {
        if (!File.Exists(Path.Combine(directory, "index.html")))
        {
            throw new ArgumentException($"'{directory}' is not a build of Prefect's UI (no index.html): pass Prefect's ui/dist or the server/ui folder of an installed prefect package.");
        }

        var replacement = Encoding.UTF8.GetBytes(basePath == "/" ? string.Empty : basePath);
        var files = new Dictionary<string, PrefectUiFile>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(directory, path).Replace(Path.DirectorySeparatorChar, '/');
            var bytes = Replace(File.ReadAllBytes(path), PlaceholderBytes, replacement);
            var contentType = ContentTypes.TryGetContentType(path, out var type) ? type : "application/octet-stream";
            files[relative] = new PrefectUiFile(bytes, contentType, "\"" + Convert.ToHexString(SHA256.HashData(bytes))[..16] + "\"");
        }

        return new PrefectUiBundle(files);
    }

    /// <summary>The file at <paramref name="relativePath"/> (no leading slash), if the build has one.</summary>
    public PrefectUiFile? Find(string relativePath) => _files.GetValueOrDefault(relativePath);

    private static byte[] Replace(byte[] content, byte[] find, byte[] replacement)
    {
        var span = content.AsSpan();
        var at = span.IndexOf(find);
        if (at < 0)
        {
            return content;
        }

        using var output = new MemoryStream(content.Length);
        while (at >= 0)
        {
            output.Write(span[..at]);
            output.Write(replacement);
            span = span[(at + find.Length)..];
            at = span.IndexOf(find);
        }

        output.Write(span);
        return output.ToArray();
    }

    private static FileExtensionContentTypeProvider CreateContentTypes()
    {
        var provider = new FileExtensionContentTypeProvider();
        provider.Mappings[".webmanifest"] = "application/manifest+json";
        provider.Mappings[".js"] = "text/javascript";
        return provider;
    }
}

/// <summary>One file of the rewritten copy.</summary>
internal sealed record PrefectUiFile(byte[] Bytes, string ContentType, string ETag);
