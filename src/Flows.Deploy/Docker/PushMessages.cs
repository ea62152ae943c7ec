using System.Text.RegularExpressions;
using Docker.DotNet.Models;

namespace Flows.Deploy.Docker;

/// <summary>
/// Reads <c>POST /images/{name}/push</c>'s JSON message stream: the error a push reports inside the stream (not as an
/// HTTP error, see <see cref="BuildMessages"/>), the pushed manifest's digest from the final <c>aux</c> message
/// (<c>{"Tag","Digest","Size"}</c>; the <c>"tag: digest: sha256:… size: n"</c> status line as a fallback), and how many
/// layers were uploaded (<c>Pushed</c>, as opposed to <c>Layer already exists</c>). Per-byte <c>Pushing</c> progress is
/// not forwarded: one line per layer state is enough for a log.
/// </summary>
internal sealed partial class PushMessages(string tag, IProgress<string>? progress) : IProgress<JSONMessage>
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _pushed = new(StringComparer.Ordinal);

    public string? Error { get; private set; }

    public string? Digest { get; private set; }

    public int LayersPushed
    {
        get
        {
            lock (_gate)
            {
                return _pushed.Count;
            }
        }
    }

    public void Report(JSONMessage value)
    {
        if (value is null)
        {
            return;
        }

        lock (_gate)
        {
            if (value.Error?.Message is { Length: > 0 } error)
            {
                Error ??= error.Trim();
            }

            if (value.Aux?.ExtensionData is { } aux && aux.TryGetValue("Digest", out var digest)
                && (!aux.TryGetValue("Tag", out var auxTag) || BuildMessages.Text(auxTag) == tag))
            {
                Digest = BuildMessages.Text(digest);
            }

            if (value.Status is not { Length: > 0 } status || status == "Pushing")
            {
                return;
            }

            if (status == "Pushed" && value.ID is { Length: > 0 } layer)
            {
                _pushed.Add(layer);
            }

            if (Digest is null && DigestLine().Match(status) is { Success: true } m && m.Groups[1].Value == tag)
            {
                Digest = m.Groups[2].Value;
            }

            progress?.Report(value.ID is { Length: > 0 } id && !status.StartsWith(id, StringComparison.Ordinal) ? $"{id}: {status}" : status);
        }
    }

    [GeneratedRegex(@"^(\S+): digest: (sha256:[0-9a-f]{64}) size: \d+$", RegexOptions.CultureInvariant)]
    private static partial Regex DigestLine();
}
