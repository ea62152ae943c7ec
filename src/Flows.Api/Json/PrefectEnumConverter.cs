using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flows.Api.Json;

/// <summary>
/// An API enum as Prefect writes it: the upper snake case of its name (<c>NotReady</c> is <c>NOT_READY</c>), names
/// only. Generic, so it needs no runtime code generation (the non-generic <see cref="JsonStringEnumConverter"/>
/// does), and parameterless, so <see cref="PrefectJsonContext"/> can name it in its options.
/// </summary>
/// <typeparam name="TEnum">The enum.</typeparam>
public sealed class PrefectEnumConverter<TEnum> : JsonStringEnumConverter<TEnum>
    where TEnum : struct, Enum
{
    /// <summary>Upper snake case, integers refused.</summary>
    public PrefectEnumConverter()
        : base(JsonNamingPolicy.SnakeCaseUpper, allowIntegerValues: false)
    {
    }
}
