using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;

namespace Flows;

/// <summary>
/// Typed JSON conversions for generated flow binders: no reflection, so flows stay trim- and AOT-safe. Readers are
/// lax where pydantic is (a number given as a numeric string is accepted) and name the path and expected type
/// otherwise.
/// </summary>
public static class FlowJson
{
    public static string ReadString(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Mismatch(path, "string", e);

    public static bool ReadBoolean(JsonElement e, string path) => e.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String when bool.TryParse(e.GetString(), out var b) => b,
        _ => throw Mismatch(path, "boolean", e),
    };

    public static int ReadInt32(JsonElement e, string path) => checked((int)ReadInteger(e, path, int.MinValue, int.MaxValue, "integer (32-bit)"));

    public static long ReadInt64(JsonElement e, string path) => ReadInteger(e, path, long.MinValue, long.MaxValue, "integer");

    public static short ReadInt16(JsonElement e, string path) => checked((short)ReadInteger(e, path, short.MinValue, short.MaxValue, "integer (16-bit)"));

    public static sbyte ReadSByte(JsonElement e, string path) => checked((sbyte)ReadInteger(e, path, sbyte.MinValue, sbyte.MaxValue, "integer (8-bit)"));

    public static byte ReadByte(JsonElement e, string path) => checked((byte)ReadInteger(e, path, byte.MinValue, byte.MaxValue, "integer (0 to 255)"));

    public static ushort ReadUInt16(JsonElement e, string path) => checked((ushort)ReadInteger(e, path, ushort.MinValue, ushort.MaxValue, "integer (0 to 65535)"));

    public static uint ReadUInt32(JsonElement e, string path) => checked((uint)ReadInteger(e, path, uint.MinValue, uint.MaxValue, "non-negative integer (32-bit)"));

    public static ulong ReadUInt64(JsonElement e, string path)
    {
        if (e.ValueKind == JsonValueKind.Number && e.TryGetUInt64(out var n))
        {
            return n;
        }

        if (e.ValueKind == JsonValueKind.String && ulong.TryParse(e.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out n))
        {
            return n;
        }

        throw Mismatch(path, "non-negative integer", e);
    }

    private static long ReadInteger(JsonElement e, string path, long min, long max, string expected)
    {
        long n;
        var ok = e.ValueKind switch
        {
            JsonValueKind.Number => e.TryGetInt64(out n),
            JsonValueKind.String => long.TryParse(e.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out n),
            _ => (n = 0) != 0,
        };
        return ok && n >= min && n <= max ? n : throw Mismatch(path, expected, e);
    }

    public static double ReadDouble(JsonElement e, string path) => e.ValueKind switch
    {
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.String when double.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => throw Mismatch(path, "number", e),
    };

    public static float ReadSingle(JsonElement e, string path) => (float)ReadDouble(e, path);

    public static decimal ReadDecimal(JsonElement e, string path) => e.ValueKind switch
    {
        JsonValueKind.Number when e.TryGetDecimal(out var m) => m,
        JsonValueKind.String when decimal.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var m) => m,
        _ => throw Mismatch(path, "number", e),
    };

    public static DateTime ReadDateTime(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.String && DateTime.TryParse(e.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var d)
            ? d
            : throw Mismatch(path, "date-time string (ISO 8601)", e);

    public static DateTimeOffset ReadDateTimeOffset(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(e.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var d)
            ? d
            : throw Mismatch(path, "date-time string (ISO 8601)", e);

    /// <summary>An ISO 8601 duration (<c>PT5M</c>), .NET's constant form (<c>00:05:00</c>), or a number of seconds.</summary>
    public static TimeSpan ReadTimeSpan(JsonElement e, string path)
    {
        if (e.ValueKind == JsonValueKind.Number)
        {
            return TimeSpan.FromSeconds(e.GetDouble());
        }

        if (e.ValueKind == JsonValueKind.String)
        {
            var text = e.GetString()!;
            if (text.StartsWith('P') || text.StartsWith("-P", StringComparison.Ordinal))
            {
                try
                {
                    return XmlConvert.ToTimeSpan(text);
                }
                catch (FormatException)
                {
                }
            }
            else if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span))
            {
                return span;
            }
        }

        throw Mismatch(path, "duration (ISO 8601 like PT5M, or seconds)", e);
    }

    public static Guid ReadGuid(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.String && Guid.TryParse(e.GetString(), out var g) ? g : throw Mismatch(path, "uuid string", e);

    /// <summary>Checks that <paramref name="e"/> is an array.</summary>
    public static JsonElement ExpectArray(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.Array ? e : throw Mismatch(path, "array", e);

    /// <summary>Checks that <paramref name="e"/> is an object.</summary>
    public static JsonElement ExpectObject(JsonElement e, string path, string expected = "object") =>
        e.ValueKind == JsonValueKind.Object ? e : throw Mismatch(path, expected, e);

    /// <summary>Gets an object member (exact name, else case-insensitive, as System.Text.Json's web defaults read).</summary>
    public static bool TryGetMember(JsonElement obj, string name, out JsonElement value)
    {
        if (obj.TryGetProperty(name, out value))
        {
            return true;
        }

        foreach (var property in obj.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        return false;
    }

    /// <summary>Rejects members of <paramref name="obj"/> that are not among <paramref name="known"/> (case-insensitive).</summary>
    public static void CheckMembers(JsonElement obj, string path, string typeName, params string[] known)
    {
        ArgumentNullException.ThrowIfNull(known);
        foreach (var property in obj.EnumerateObject())
        {
            if (!known.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
            {
                var member = path + "." + property.Name;
                throw new FlowParameterException($"unknown property '{member}'; {typeName} has: {string.Join(", ", known)}") { Parameter = member, ExpectedType = typeName };
            }
        }
    }

    /// <summary>True when the element is JSON null (or absent).</summary>
    public static bool IsNull(JsonElement e) => e.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    public static JsonNode? ToNode(string? value) => value is null ? null : JsonValue.Create(value);

    public static JsonNode ToNode(bool value) => JsonValue.Create(value);

    public static JsonNode ToNode(int value) => JsonValue.Create(value);

    public static JsonNode ToNode(long value) => JsonValue.Create(value);

    public static JsonNode ToNode(short value) => JsonValue.Create(value);

    public static JsonNode ToNode(sbyte value) => JsonValue.Create(value);

    public static JsonNode ToNode(byte value) => JsonValue.Create(value);

    public static JsonNode ToNode(ushort value) => JsonValue.Create(value);

    public static JsonNode ToNode(uint value) => JsonValue.Create(value);

    public static JsonNode ToNode(ulong value) => JsonValue.Create(value);

    public static JsonNode ToNode(double value) => JsonValue.Create(value);

    public static JsonNode ToNode(float value) => JsonValue.Create(value);

    public static JsonNode ToNode(decimal value) => JsonValue.Create(value);

    public static JsonNode ToNode(DateTime value) => JsonValue.Create(value.ToString("O", CultureInfo.InvariantCulture));

    public static JsonNode ToNode(DateTimeOffset value) => JsonValue.Create(value.ToString("O", CultureInfo.InvariantCulture));

    public static JsonNode ToNode(TimeSpan value) => JsonValue.Create(XmlConvert.ToString(value));

    public static JsonNode ToNode(Guid value) => JsonValue.Create(value.ToString());

    /// <summary>An error for a parameter that was not given but is required.</summary>
    public static FlowParameterException Missing(string path, string expectedType) =>
        new($"missing required parameter '{path}' ({expectedType})") { Parameter = path, ExpectedType = expectedType };

    /// <summary>An error for a value of the wrong JSON type.</summary>
    public static FlowParameterException Mismatch(string path, string expectedType, JsonElement actual) =>
        new($"parameter '{path}' expects {expectedType}, got {Describe(actual)}") { Parameter = path, ExpectedType = expectedType };

    /// <summary>A short rendering of a JSON value for error messages.</summary>
    public static string Describe(JsonElement e)
    {
        var text = e.ValueKind == JsonValueKind.Undefined ? "nothing" : e.GetRawText();
        return text.Length > 60 ? text[..57] + "..." : text;
    }
}
