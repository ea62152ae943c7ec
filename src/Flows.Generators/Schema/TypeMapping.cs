namespace Flows.Generators.Schema;

/// <summary>
/// How one C# type crosses JSON: its schema fragment, and code templates that read it from a JsonElement
/// (<c>$e</c>, with path <c>$p</c>) and write it to a JsonNode (<c>$v</c>).
/// </summary>
internal sealed class TypeMapping(string typeName, JsonObj schema, string readFormat, string writeFormat, string expected, string jsonType)
{
    /// <summary>The C# type, fully qualified, with nullable annotations.</summary>
    public string TypeName { get; } = typeName;

    /// <summary>The schema fragment (a <c>$ref</c> for enums and objects).</summary>
    public JsonObj Schema { get; } = schema;

    public string ReadFormat { get; } = readFormat;

    public string WriteFormat { get; } = writeFormat;

    /// <summary>What an error message says is expected ("integer (32-bit)", "Order object").</summary>
    public string Expected { get; } = expected;

    /// <summary>The JSON type at the top ("string", "integer", "array", "object", ...).</summary>
    public string JsonType { get; } = jsonType;

    public string Read(string element, string path) => ReadFormat.Replace("$e", element).Replace("$p", path);

    public string Write(string value) => WriteFormat.Replace("$v", value);
}
