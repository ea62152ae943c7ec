using System.Text.Json;

namespace Flows;

/// <summary>The JSON parameters a flow is invoked with, by name. Used by generated binders.</summary>
public sealed class FlowArguments
{
    private readonly Dictionary<string, JsonElement> _values;

    /// <summary>Wraps a JSON object of parameters (an undefined or null element means none).</summary>
    public FlowArguments(JsonElement parameters)
    {
        _values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (parameters.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return;
        }

        if (parameters.ValueKind != JsonValueKind.Object)
        {
            throw new FlowParameterException($"parameters must be a JSON object, got {FlowJson.Describe(parameters)}");
        }

        foreach (var property in parameters.EnumerateObject())
        {
            _values[property.Name] = property.Value;
        }
    }

    /// <summary>The names given.</summary>
    public IEnumerable<string> Names => _values.Keys;

    /// <summary>Gets a parameter's value when it was given.</summary>
    public bool TryGet(string name, out JsonElement value) => _values.TryGetValue(name, out value);

    /// <summary>Gets a required parameter's value or throws naming it and its type.</summary>
    public JsonElement Require(string name, string expectedType) =>
        _values.TryGetValue(name, out var value) ? value : throw FlowJson.Missing(name, expectedType);
}
