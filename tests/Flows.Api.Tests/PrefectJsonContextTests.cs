using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Flows.Api.Json;
using Flows.Api.Models;

namespace Flows.Api.Tests;

/// <summary>
/// The source-generated metadata covers every API model and writes the same bytes the reflection-based options
/// wrote before it (the wire format is unchanged), and reads them back to the same values.
/// </summary>
public class PrefectJsonContextTests
{
    public static TheoryData<Type> ModelTypes()
    {
        var data = new TheoryData<Type>();
        foreach (var type in typeof(FlowRun).Assembly.GetExportedTypes()
                     .Where(t => t.Namespace == typeof(FlowRun).Namespace && !(t.IsAbstract && t.IsSealed))
                     .OrderBy(t => t.Name))
        {
            data.Add(type);
        }

        return data;
    }

    // The options as they were built before source generation: reflection, with the non-generic enum converter.
    private static readonly JsonSerializerOptions Reflection = CreateReflectionOptions();

    private static JsonSerializerOptions CreateReflectionOptions()
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

    [Theory]
    [MemberData(nameof(ModelTypes))]
    public void Every_model_has_source_generated_metadata(Type type)
        => Assert.NotNull(PrefectJsonContext.Default.GetTypeInfo(type));

    [Theory]
    [MemberData(nameof(ModelTypes))]
    public void A_fully_set_model_serializes_as_with_reflection_and_round_trips(Type type)
    {
        var value = Sample(type, depth: 0);
        var expected = JsonSerializer.Serialize(value, type, Reflection);
        var generated = JsonSerializer.Serialize(value, PrefectJsonContext.Default.GetTypeInfo(type)!);
        Assert.Equal(expected, generated);
        Assert.Equal(expected, JsonSerializer.Serialize(value, type, PrefectJson.Options));

        var read = JsonSerializer.Deserialize(generated, PrefectJsonContext.Default.GetTypeInfo(type)!);
        Assert.Equal(expected, JsonSerializer.Serialize(read, PrefectJsonContext.Default.GetTypeInfo(type)!));
    }

    [Fact]
    public void Enums_are_upper_snake_case_names_and_integers_are_refused()
    {
        Assert.Equal("\"NOT_READY\"", JsonSerializer.Serialize(WorkPoolStatus.NotReady, PrefectJsonContext.Default.WorkPoolStatus));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("1", PrefectJsonContext.Default.StateType));
    }

    [Fact]
    public void Options_still_serialize_types_outside_the_context_where_reflection_is_allowed()
    {
        // The server answers with ad-hoc dictionaries and its own enums through PrefectJson.Options.
        var payload = new Dictionary<string, object?> { ["status"] = Local.SomeValue, ["ids"] = new[] { Guid.Empty }, ["none"] = null };
        Assert.Equal("""{"status":"SOME_VALUE","ids":["00000000-0000-0000-0000-000000000000"],"none":null}""",
            JsonSerializer.Serialize(payload, PrefectJson.Options));
    }

    private enum Local { None, SomeValue }

    // A value with every property set, so that every property's name and converter is compared.
    private static object Sample(Type type, int depth)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Sample(underlying, depth);
        }

        if (type == typeof(string)) return "text";
        if (type == typeof(bool)) return true;
        if (type == typeof(int)) return 7;
        if (type == typeof(double)) return 1.5;
        if (type == typeof(Guid)) return new Guid("0b8a4c2e-9a57-4c55-9d3c-2f1d3a1b9e01");
        if (type == typeof(DateTimeOffset)) return new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(2));
        if (type == typeof(JsonElement)) return JsonDocument.Parse("""{"a":[1,"b",null,{"c_d":true}]}""").RootElement.Clone();
        if (type.IsEnum) return Enum.GetValues(type).GetValue(Enum.GetValues(type).Length - 1)!;
        if (type.IsGenericType && type.GetGenericTypeDefinition() is var definition
            && (definition == typeof(IList<>) || definition == typeof(List<>)))
        {
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(type.GetGenericArguments()))!;
            list.Add(Sample(type.GetGenericArguments()[0], depth + 1));
            return list;
        }

        if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(IDictionary<,>) || type.GetGenericTypeDefinition() == typeof(Dictionary<,>)))
        {
            var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(type.GetGenericArguments()))!;
            dictionary.Add("Key_One", Sample(type.GetGenericArguments()[1], depth + 1));
            return dictionary;
        }

        Assert.True(depth < 6, $"{type} nests too deeply for a sample");
        var value = Activator.CreateInstance(type)!;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            property.SetValue(value, Sample(property.PropertyType, depth + 1));
        }

        return value;
    }
}
