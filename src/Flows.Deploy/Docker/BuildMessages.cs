using System.Text;
using System.Text.Json;
using Docker.DotNet.Models;

namespace Flows.Deploy.Docker;

/// <summary>
/// Reads <c>POST /build</c>'s JSON message stream. The Engine reports a failed step inside the stream
/// (<c>errorDetail</c>), not as an HTTP error, and Docker.DotNet hands it to progress without throwing (Docker.DotNet
/// issue #267), so this records it for <see cref="DockerfileImageBuilder"/> to check. Implemented directly rather than
/// with <see cref="Progress{T}"/>, which would post the messages later, after the call returned. The <c>stream</c> text
/// arrives in pieces (<c>"Step 1/4 : FROM x"</c>, then <c>"\n"</c>): it is reassembled into lines for
/// <c>progress</c>, and the last <c>Step n/m</c> line is kept to say which step failed.
/// </summary>
internal sealed class BuildMessages(IProgress<string>? progress) : IProgress<JSONMessage>
{
    private readonly Lock _gate = new();
    private readonly StringBuilder _line = new();

    /// <summary>The daemon's message of the first error in the stream.</summary>
    public string? Error { get; private set; }

    /// <summary>The last <c>Step n/m : INSTRUCTION</c> line, the step running when an error came.</summary>
    public string? LastStep { get; private set; }

    /// <summary>The built image's id from the final <c>aux</c> message (<c>sha256:…</c>).</summary>
    public string? ImageId { get; private set; }

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

            if (value.Stream is { Length: > 0 } text)
            {
                foreach (var ch in text)
                {
                    if (ch == '\n')
                    {
                        Flush();
                    }
                    else if (ch != '\r')
                    {
                        _line.Append(ch);
                    }
                }
            }

            if (value.Aux?.ExtensionData is { } aux && aux.TryGetValue("ID", out var id) && Text(id) is { Length: > 0 } imageId)
            {
                ImageId = imageId;
            }
        }
    }

    /// <summary>Reports a last line that had no newline.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            Flush();
        }
    }

    internal static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        JsonElement e => e.GetRawText(),
        _ => value.ToString(),
    };

    private void Flush()
    {
        var line = _line.ToString().TrimEnd();
        _line.Clear();
        if (line.Length == 0)
        {
            return;
        }

        if (line.StartsWith("Step ", StringComparison.Ordinal))
        {
            LastStep = line;
        }

        progress?.Report(line);
    }
}
