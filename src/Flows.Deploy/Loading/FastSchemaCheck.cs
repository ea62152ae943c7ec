using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flows.Deploy.Loading;

/// <summary>
/// A conservative "is this certainly valid?" check for a JSON Schema that uses only simple keywords, run straight on
/// <see cref="JsonNode"/>s (no serialising, no allocation per keyword). It answers <c>true</c> only when the instance
/// is valid; any doubt (a failure, a keyword it does not know, <c>format</c> on a string, a non-whole number against
/// <c>integer</c>) answers <c>false</c>, and the caller then asks JsonSchema.Net, which also produces the diagnostics.
/// Compiled once per schema; JsonSchema.Net costs ~0.12 ms per prefect.yaml deployment even with the flag output,
/// this ~1 µs.
/// </summary>
public sealed class FastSchemaCheck
{
    // Keywords that never affect validity (2020-12 annotations; format is annotation-only unless asserted, see Format).
    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal)
    {
        "title", "description", "default", "examples", "$schema", "$id", "$comment", "$defs", "definitions", "deprecated", "readOnly", "writeOnly",
    };

    private readonly Node _root;

    private FastSchemaCheck(Node root) => _root = root;

    /// <summary>The check for <paramref name="schema"/> (refs resolve against <paramref name="document"/>, default the
    /// schema itself), or null when the schema uses a keyword this check does not implement.</summary>
    public static FastSchemaCheck? Compile(JsonNode schema, JsonObject? document = null)
    {
        var compiler = new Compiler(document ?? schema as JsonObject ?? []);
        var root = compiler.Compile(schema);
        return compiler.Unsupported ? null : new FastSchemaCheck(root);
    }

    /// <summary>True only when <paramref name="instance"/> is certainly valid.</summary>
    public bool IsCertainlyValid(JsonNode? instance) => _root.Check(instance);

    [Flags]
    private enum Types
    {
        None = 0, Null = 1, Boolean = 2, Object = 4, Array = 8, String = 16, Number = 32, Integer = 64, Any = 127,
    }

    private sealed class Node
    {
        public bool Never;
        public Types Types = Types.Any;
        public Node[]? AnyOf;
        public Node? Ref;
        public Dictionary<string, Node>? Properties;
        public Node? AdditionalProperties; // null: anything
        public Node? Items;
        public string[]? Required;
        public JsonNode?[]? Enum;
        public double? ExclusiveMinimum;
        public bool Format;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Check(JsonNode? value)
        {
            if (Never)
            {
                return false;
            }

            var kind = value?.GetValueKind() ?? JsonValueKind.Null;
            if (Types != Types.Any && !TypeMatches(kind, value))
            {
                return false;
            }

            if (Ref is not null && !Ref.Check(value))
            {
                return false;
            }

            if (AnyOf is not null)
            {
                var any = false;
                foreach (var branch in AnyOf)
                {
                    if (branch.Check(value))
                    {
                        any = true;
                        break;
                    }
                }

                if (!any)
                {
                    return false;
                }
            }

            if (Enum is not null && !Enum.Any(e => JsonNode.DeepEquals(e, value)))
            {
                return false;
            }

            switch (value)
            {
                case JsonObject obj:
                    if (Required is not null && Required.Any(r => !obj.ContainsKey(r)))
                    {
                        return false;
                    }

                    if (Properties is not null || AdditionalProperties is not null)
                    {
                        foreach (var (key, child) in obj)
                        {
                            if (Properties is not null && Properties.TryGetValue(key, out var property))
                            {
                                if (!property.Check(child))
                                {
                                    return false;
                                }
                            }
                            else if (AdditionalProperties is not null && !AdditionalProperties.Check(child))
                            {
                                return false;
                            }
                        }
                    }

                    break;
                case JsonArray array when Items is not null:
                    foreach (var item in array)
                    {
                        if (!Items.Check(item))
                        {
                            return false;
                        }
                    }

                    break;
                case JsonValue v when kind == JsonValueKind.Number && ExclusiveMinimum is { } min:
                    if (!(v.TryGetValue<long>(out var l) ? l > min : v.TryGetValue<double>(out var d) && d > min))
                    {
                        return false;
                    }

                    break;
                case JsonValue when kind == JsonValueKind.String && Format:
                    return false; // format may be asserted: let JsonSchema.Net decide
            }

            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool TypeMatches(JsonValueKind kind, JsonNode? value) => kind switch
        {
            JsonValueKind.Null => (Types & Types.Null) != 0,
            JsonValueKind.True or JsonValueKind.False => (Types & Types.Boolean) != 0,
            JsonValueKind.Object => (Types & Types.Object) != 0,
            JsonValueKind.Array => (Types & Types.Array) != 0,
            JsonValueKind.String => (Types & Types.String) != 0,
            // Only a whole number stored as one counts as integer here; 1.0 and the like go to JsonSchema.Net.
            JsonValueKind.Number => (Types & Types.Number) != 0 || ((Types & Types.Integer) != 0 && value is JsonValue v && (v.TryGetValue<long>(out _) || v.TryGetValue<int>(out _))),
            _ => false,
        };
    }

    private sealed class Compiler(JsonObject document)
    {
        private readonly Dictionary<string, Node> _refs = new(StringComparer.Ordinal);

        public bool Unsupported { get; private set; }

        public Node Compile(JsonNode? schema)
        {
            var node = new Node();
            switch (schema)
            {
                case JsonValue v when v.GetValueKind() is JsonValueKind.True:
                    return node;
                case JsonValue v when v.GetValueKind() is JsonValueKind.False:
                    node.Never = true;
                    return node;
                case not JsonObject:
                    Unsupported = true;
                    return node;
            }

            foreach (var (key, value) in schema.AsObject())
            {
                if (Annotations.Contains(key))
                {
                    continue;
                }

                switch (key)
                {
                    case "type":
                        node.Types = value switch
                        {
                            JsonArray a => a.Aggregate(Types.None, (t, x) => t | TypeOf(x)),
                            _ => TypeOf(value),
                        };
                        break;
                    case "anyOf" when value is JsonArray branches:
                        node.AnyOf = branches.Select(Compile).ToArray();
                        break;
                    case "$ref" when value is JsonValue r && r.TryGetValue<string>(out var target) && target.StartsWith("#/", StringComparison.Ordinal):
                        node.Ref = Resolve(target);
                        break;
                    case "properties" when value is JsonObject properties:
                        node.Properties = properties.ToDictionary(p => p.Key, p => Compile(p.Value), StringComparer.Ordinal);
                        break;
                    case "additionalProperties":
                        node.AdditionalProperties = Compile(value);
                        break;
                    case "items" when value is JsonObject or JsonValue:
                        node.Items = Compile(value);
                        break;
                    case "required" when value is JsonArray names && names.All(n => n is JsonValue s && s.GetValueKind() == JsonValueKind.String):
                        node.Required = names.Select(n => n!.GetValue<string>()).ToArray();
                        break;
                    case "enum" when value is JsonArray values:
                        node.Enum = values.ToArray();
                        break;
                    case "exclusiveMinimum" when value is JsonValue m && m.TryGetValue<double>(out var min):
                        node.ExclusiveMinimum = min;
                        break;
                    case "format":
                        node.Format = true;
                        break;
                    default:
                        Unsupported = true;
                        break;
                }
            }

            return node;
        }

        private Types TypeOf(JsonNode? name)
        {
            var type = (name as JsonValue)?.TryGetValue<string>(out var s) == true ? s : null;
            switch (type)
            {
                case "null": return Types.Null;
                case "boolean": return Types.Boolean;
                case "object": return Types.Object;
                case "array": return Types.Array;
                case "string": return Types.String;
                case "number": return Types.Number;
                case "integer": return Types.Integer;
                default:
                    Unsupported = true;
                    return Types.None;
            }
        }

        // Compiled once per target; a placeholder is registered first so recursive schemas terminate.
        private Node Resolve(string target)
        {
            if (_refs.TryGetValue(target, out var known))
            {
                return known;
            }

            var placeholder = new Node();
            _refs[target] = placeholder;
            JsonNode? at = document;
            foreach (var segment in target[2..].Split('/'))
            {
                at = (at as JsonObject)?[segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)];
            }

            if (at is null)
            {
                Unsupported = true;
                return placeholder;
            }

            var compiled = Compile(at);
            // Copy into the placeholder so earlier references see the compiled schema.
            placeholder.Never = compiled.Never;
            placeholder.Types = compiled.Types;
            placeholder.AnyOf = compiled.AnyOf;
            placeholder.Ref = compiled.Ref;
            placeholder.Properties = compiled.Properties;
            placeholder.AdditionalProperties = compiled.AdditionalProperties;
            placeholder.Items = compiled.Items;
            placeholder.Required = compiled.Required;
            placeholder.Enum = compiled.Enum;
            placeholder.ExclusiveMinimum = compiled.ExclusiveMinimum;
            placeholder.Format = compiled.Format;
            return placeholder;
        }
    }
}
