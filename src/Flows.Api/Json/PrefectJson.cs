using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Flows.Api.Json;

/// <summary>
/// The one set of serializer options for Prefect's wire format: snake_case names, upper-case enum values,
/// nulls left out (Prefect's create models forbid unknown keys but accept absent ones, and absent is
/// what a PATCH body needs to mean "unchanged"), UTC timestamps with microseconds as Prefect writes them.
/// The settings are <see cref="PrefectJsonContext"/>'s, and its compile-time metadata serves every API model.
/// Where the app allows reflection (not trimmed, not Native AOT) other types (the server's ad-hoc dictionaries,
/// its own enums) fall back to reflection with the same settings; in a trimmed app only the context's types work.
/// </summary>
public static class PrefectJson
{
    /// <summary>Options shared by the client and the server.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(PrefectJsonContext.Default.Options);
        if (JsonSerializer.IsReflectionEnabledByDefault)
        {
            AddReflectionFallback(options);
        }

        options.MakeReadOnly();
        return options;
    }

    // IsReflectionEnabledByDefault is a feature switch: false in trimmed and Native AOT apps (where the trimmer removes
    // this call), true elsewhere, where reflection and runtime code generation are available.
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only called when JsonSerializer.IsReflectionEnabledByDefault.")]
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only called when JsonSerializer.IsReflectionEnabledByDefault.")]
    private static void AddReflectionFallback(JsonSerializerOptions options)
    {
        options.TypeInfoResolver = JsonTypeInfoResolver.Combine(PrefectJsonContext.Default, new DefaultJsonTypeInfoResolver());
        // Enums outside the API models (the server's own) keep the wire form; the models' enums match earlier converters.
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper, allowIntegerValues: false));
    }

    /// <summary>The metadata for <typeparamref name="T"/> under <see cref="Options"/> (trim-safe for the context's types).</summary>
    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    /// <summary>Serializes to UTF-8 JSON with <see cref="Options"/>.</summary>
    public static byte[] SerializeToUtf8Bytes<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, TypeInfo<T>());

    /// <summary>Deserializes UTF-8 JSON with <see cref="Options"/>.</summary>
    public static T? Deserialize<T>(ReadOnlySpan<byte> utf8Json) => JsonSerializer.Deserialize(utf8Json, TypeInfo<T>());

    /// <summary>Turns any value into a <see cref="JsonElement"/> (handy for parameters and job variables).</summary>
    public static JsonElement ToElement<T>(T value) => JsonSerializer.SerializeToElement(value, TypeInfo<T>());
}
