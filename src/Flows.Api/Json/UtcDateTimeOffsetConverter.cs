using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flows.Api.Json;

/// <summary>
/// Writes timestamps as UTC with six fractional digits and a trailing Z (what Prefect's server emits and
/// what the storage layer compares as text); reads any RFC 3339 form, assuming UTC when no offset is given.
/// </summary>
public sealed class UtcDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    /// <summary>The fixed-width format: sorting its text sorts the instants.</summary>
    public const string Format = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'";

    /// <inheritdoc />
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        if (text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            return value;
        }

        throw new JsonException($"'{text}' is not a valid date-time.");
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
        => writer.WriteStringValue(ToText(value));

    /// <summary>The wire and storage form of a timestamp.</summary>
    public static string ToText(DateTimeOffset value) => value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);
}
