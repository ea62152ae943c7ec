using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flows.Api.Json;

/// <summary>
/// The one set of serializer options for Prefect's wire format: snake_case names, upper-case enum values,
/// nulls left out (Prefect's create models forbid unknown keys but accept absent ones, and absent is
/// what a PATCH body needs to mean "unchanged"), UTC timestamps with microseconds as Prefect writes them.
/// </summary>
public static class PrefectJson
{
    /// <summary>Options shared by the client and the server.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.Strict,
            PropertyNameCaseInsensitive = false,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper, allowIntegerValues: false));
        options.Converters.Add(new UtcDateTimeOffsetConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Serializes to UTF-8 JSON with <see cref="Options"/>.</summary>
    public static byte[] SerializeToUtf8Bytes<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    /// <summary>Deserializes UTF-8 JSON with <see cref="Options"/>.</summary>
    public static T? Deserialize<T>(ReadOnlySpan<byte> utf8Json) => JsonSerializer.Deserialize<T>(utf8Json, Options);

    /// <summary>Turns any value into a <see cref="JsonElement"/> (handy for parameters and job variables).</summary>
    public static JsonElement ToElement<T>(T value) => JsonSerializer.SerializeToElement(value, Options);
}
