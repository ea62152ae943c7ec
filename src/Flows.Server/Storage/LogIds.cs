using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Flows.Server.Storage;

/// <summary>
/// A log line's id, derived from its content, so that a batch sent again after its first answer was lost stores
/// nothing twice (<c>INSERT … ON CONFLICT (id) DO NOTHING</c>): Prefect's <c>LogCreate</c> has no field for a
/// client's key. A UUIDv8 (RFC 9562) whose first 48 bits are the line's timestamp in Unix milliseconds, as in a
/// UUIDv7, so ids still sort by time; the rest is SHA-256 of the run, task run, logger, level, exact timestamp and
/// message. Two lines equal in all of these are one line.
/// </summary>
internal static class LogIds
{
    public static Guid For(Guid? flowRunId, Guid? taskRunId, string name, int level, DateTimeOffset timestamp, string message)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> number = stackalloc byte[16];
        (flowRunId ?? Guid.Empty).TryWriteBytes(number);
        hash.AppendData(number);
        (taskRunId ?? Guid.Empty).TryWriteBytes(number);
        hash.AppendData(number);
        BinaryPrimitives.WriteInt64BigEndian(number, timestamp.UtcTicks);
        BinaryPrimitives.WriteInt32BigEndian(number[8..], level);
        hash.AppendData(number[..12]);
        AppendText(hash, name);
        AppendText(hash, message);

        Span<byte> id = stackalloc byte[32];
        hash.GetHashAndReset(id);
        var milliseconds = Math.Max(0, timestamp.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64BigEndian(number, milliseconds << 16);
        number[..6].CopyTo(id);
        id[6] = (byte)((id[6] & 0x0F) | 0x80); // version 8
        id[8] = (byte)((id[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(id[..16], bigEndian: true);
    }

    // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
    private static void AppendText(IncrementalHash hash, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }
}
