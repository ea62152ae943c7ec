using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Flows.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Flows.Generators.Schema;

/// <summary>
/// Maps parameter types to JSON for one flow: the schema (with <c>definitions</c> for enums and objects, as
/// pydantic writes them) and generated reader/writer helpers. Anything it cannot map is reported with a reason.
/// </summary>
internal sealed class TypeMapper(string flowName, Location? location)
{
    private const string Json = "global::Flows.FlowJson";

    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private readonly Dictionary<string, TypeMapping> _mapped = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _definitionNames = new(StringComparer.Ordinal);

    /// <summary>The <c>definitions</c> this flow's schema uses.</summary>
    public JsonObj Definitions { get; } = new();

    /// <summary>Helper methods (readers and writers) by name.</summary>
    public List<HelperModel> Helpers { get; } = [];

    /// <summary>Warnings found while mapping (init-only class properties).</summary>
    public List<DiagnosticInfo> Warnings { get; } = [];

    public static string Display(ITypeSymbol type) => type.ToDisplayString(TypeFormat);

    /// <summary>Maps <paramref name="type"/>, or returns null with <paramref name="reason"/> saying why not.</summary>
    public TypeMapping? Map(ITypeSymbol type, out string reason)
    {
        reason = string.Empty;
        var key = Display(type);
        if (_mapped.TryGetValue(key, out var known))
        {
            return known;
        }

        var mapping = MapCore(type, key, ref reason);
        if (mapping is not null)
        {
            _mapped[key] = mapping;
        }

        return mapping;
    }

    private TypeMapping? MapCore(ITypeSymbol type, string typeName, ref string reason)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullableValue)
        {
            return MapNullable(type, typeName, nullableValue.TypeArguments[0], isValueType: true, ref reason);
        }

        if (type.IsReferenceType && type.NullableAnnotation == NullableAnnotation.Annotated)
        {
            return MapNullable(type, typeName, type.WithNullableAnnotation(NullableAnnotation.NotAnnotated), isValueType: false, ref reason);
        }

        var primitive = MapPrimitive(type, typeName);
        if (primitive is not null)
        {
            return primitive;
        }

        switch (type)
        {
            case IArrayTypeSymbol { Rank: 1 } array:
                return MapSequence(type, typeName, array.ElementType, "array", ref reason);
            case IArrayTypeSymbol:
                reason = " (multi-dimensional arrays have no JSON form; use an array of arrays)";
                return null;
            case INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType:
                return MapEnum(enumType, typeName);
            case INamedTypeSymbol named when SequenceKind(named) is { } kind:
                return MapSequence(type, typeName, named.TypeArguments[0], kind, ref reason);
            case INamedTypeSymbol named when IsDictionary(named):
                if (named.TypeArguments[0].SpecialType != SpecialType.System_String)
                {
                    reason = " (dictionary keys must be strings, as JSON object keys are)";
                    return null;
                }

                return MapDictionary(typeName, named.TypeArguments[1], ref reason);
            case INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct } named when IsObjectCandidate(named):
                return MapObject(named, typeName, ref reason);
            default:
                reason = string.Empty;
                return null;
        }
    }

    private static TypeMapping? MapPrimitive(ITypeSymbol type, string typeName)
    {
        static TypeMapping Make(string typeName, string reader, string jsonType, string expected, string? format = null)
        {
            var schema = new JsonObj().Set("type", jsonType);
            if (format is not null)
            {
                schema.Set("format", format);
            }

            return new TypeMapping(typeName, schema, $"{Json}.{reader}($e, $p)", $"{Json}.ToNode($v)", expected, jsonType);
        }

        switch (type.SpecialType)
        {
            case SpecialType.System_String: return Make(typeName, "ReadString", "string", "string");
            case SpecialType.System_Boolean: return Make(typeName, "ReadBoolean", "boolean", "boolean");
            case SpecialType.System_Int32: return Make(typeName, "ReadInt32", "integer", "integer (32-bit)");
            case SpecialType.System_Int64: return Make(typeName, "ReadInt64", "integer", "integer");
            case SpecialType.System_Int16: return Make(typeName, "ReadInt16", "integer", "integer (16-bit)");
            case SpecialType.System_SByte: return Make(typeName, "ReadSByte", "integer", "integer (8-bit)");
            case SpecialType.System_Byte: return Make(typeName, "ReadByte", "integer", "integer (0 to 255)");
            case SpecialType.System_UInt16: return Make(typeName, "ReadUInt16", "integer", "integer (0 to 65535)");
            case SpecialType.System_UInt32: return Make(typeName, "ReadUInt32", "integer", "non-negative integer (32-bit)");
            case SpecialType.System_UInt64: return Make(typeName, "ReadUInt64", "integer", "non-negative integer");
            case SpecialType.System_Double: return Make(typeName, "ReadDouble", "number", "number");
            case SpecialType.System_Single: return Make(typeName, "ReadSingle", "number", "number");
            case SpecialType.System_Decimal: return Make(typeName, "ReadDecimal", "number", "number");
            case SpecialType.System_DateTime: return Make(typeName, "ReadDateTime", "string", "date-time string", "date-time");
        }

        return FullName(type) switch
        {
            "System.DateTimeOffset" => Make(typeName, "ReadDateTimeOffset", "string", "date-time string", "date-time"),
            "System.TimeSpan" => Make(typeName, "ReadTimeSpan", "string", "duration (ISO 8601 like PT5M, or seconds)", "duration"),
            "System.Guid" => Make(typeName, "ReadGuid", "string", "uuid string", "uuid"),
            _ => null,
        };
    }

    private TypeMapping? MapNullable(ITypeSymbol type, string typeName, ITypeSymbol inner, bool isValueType, ref string reason)
    {
        var innerMapping = Map(inner, out reason);
        if (innerMapping is null)
        {
            return null;
        }

        var (read, write) = HelperNames(typeName);
        AddHelper(read, $$"""
                internal static {{typeName}} {{read}}(global::System.Text.Json.JsonElement e, string path) =>
                    {{Json}}.IsNull(e) ? null : {{innerMapping.Read("e", "path")}};
            """);
        AddHelper(write, $$"""
                internal static global::System.Text.Json.Nodes.JsonNode? {{write}}({{typeName}} v) =>
                    v is null ? null : {{innerMapping.Write(isValueType ? "v.Value" : "v")}};
            """);
        var schema = new JsonObj().Set("anyOf", new List<object?> { innerMapping.Schema, new JsonObj().Set("type", "null") });
        return new TypeMapping(typeName, schema, $"{read}($e, $p)", $"{write}($v)", innerMapping.Expected + " or null", innerMapping.JsonType);
    }

    private TypeMapping? MapSequence(ITypeSymbol type, string typeName, ITypeSymbol elementType, string kind, ref string reason)
    {
        var element = Map(elementType, out reason);
        if (element is null)
        {
            return null;
        }

        var elementName = element.TypeName;
        var (read, write) = HelperNames(typeName);
        var result = kind switch
        {
            "array" => "list.ToArray()",
            "set" => $"new global::System.Collections.Generic.HashSet<{elementName}>(list)",
            _ => "list",
        };
        AddHelper(read, $$"""
                internal static {{typeName}} {{read}}(global::System.Text.Json.JsonElement e, string path)
                {
                    {{Json}}.ExpectArray(e, path);
                    var list = new global::System.Collections.Generic.List<{{elementName}}>(e.GetArrayLength());
                    var index = 0;
                    foreach (var item in e.EnumerateArray())
                    {
                        list.Add({{element.Read("item", "path + \"[\" + index.ToString(global::System.Globalization.CultureInfo.InvariantCulture) + \"]\"")}});
                        index++;
                    }

                    return {{result}};
                }
            """);
        AddHelper(write, $$"""
                internal static global::System.Text.Json.Nodes.JsonNode {{write}}({{typeName}} v)
                {
                    var array = new global::System.Text.Json.Nodes.JsonArray();
                    foreach (var item in v)
                    {
                        array.Add({{element.Write("item")}});
                    }

                    return array;
                }
            """);
        var schema = new JsonObj().Set("type", "array").Set("items", element.Schema);
        if (kind == "set")
        {
            schema.Set("uniqueItems", true);
        }

        return new TypeMapping(typeName, schema, $"{read}($e, $p)", $"{write}($v)", "array", "array");
    }

    private TypeMapping? MapDictionary(string typeName, ITypeSymbol valueType, ref string reason)
    {
        var value = Map(valueType, out reason);
        if (value is null)
        {
            return null;
        }

        var (read, write) = HelperNames(typeName);
        AddHelper(read, $$"""
                internal static {{typeName}} {{read}}(global::System.Text.Json.JsonElement e, string path)
                {
                    {{Json}}.ExpectObject(e, path);
                    var result = new global::System.Collections.Generic.Dictionary<string, {{value.TypeName}}>(global::System.StringComparer.Ordinal);
                    foreach (var property in e.EnumerateObject())
                    {
                        result[property.Name] = {{value.Read("property.Value", "path + \".\" + property.Name")}};
                    }

                    return result;
                }
            """);
        AddHelper(write, $$"""
                internal static global::System.Text.Json.Nodes.JsonNode {{write}}({{typeName}} v)
                {
                    var obj = new global::System.Text.Json.Nodes.JsonObject();
                    foreach (var pair in v)
                    {
                        obj[pair.Key] = {{value.Write("pair.Value")}};
                    }

                    return obj;
                }
            """);
        var schema = new JsonObj().Set("type", "object").Set("additionalProperties", value.Schema);
        return new TypeMapping(typeName, schema, $"{read}($e, $p)", $"{write}($v)", "object", "object");
    }

    private TypeMapping MapEnum(INamedTypeSymbol enumType, string typeName)
    {
        var names = enumType.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue).Select(f => f.Name).ToList();
        var definition = DefinitionName(enumType);
        Definitions.Set(definition, new JsonObj()
            .Set("title", enumType.Name)
            .Set("enum", names.Cast<object?>().ToList())
            .Set("type", "string"));

        var expected = "one of " + string.Join(", ", names);
        var (read, write) = HelperNames(typeName);
        var cases = new StringBuilder();
        foreach (var name in names)
        {
            cases.Append($$"""
                        if (string.Equals(s, {{JsonText.Quote(name)}}, global::System.StringComparison.OrdinalIgnoreCase)) return {{typeName}}.@{{name}};

                """);
        }

        AddHelper(read, $$"""
                internal static {{typeName}} {{read}}(global::System.Text.Json.JsonElement e, string path)
                {
                    var s = e.ValueKind == global::System.Text.Json.JsonValueKind.String ? e.GetString() : null;
            {{cases}}        throw {{Json}}.Mismatch(path, {{JsonText.Quote(expected)}}, e);
                }
            """);
        AddHelper(write, $$"""
                internal static global::System.Text.Json.Nodes.JsonNode? {{write}}({{typeName}} v) => {{Json}}.ToNode(v.ToString());
            """);
        return new TypeMapping(typeName, Ref(definition), $"{read}($e, $p)", $"{write}($v)", expected, "string");
    }

    private TypeMapping? MapObject(INamedTypeSymbol type, string typeName, ref string reason)
    {
        if (!IsAccessible(type))
        {
            reason = $" ({type.Name} must be public or internal)";
            return null;
        }

        var constructor = type.InstanceConstructors
            .Where(c => c.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal)
            .Where(c => !(c.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(c.Parameters[0].Type.OriginalDefinition, type.OriginalDefinition)))
            .OrderByDescending(c => c.Parameters.Length)
            .FirstOrDefault();
        if (constructor is null && type.TypeKind == TypeKind.Class)
        {
            reason = $" ({type.Name} has no public constructor)";
            return null;
        }

        var definition = DefinitionName(type);
        var (read, write) = HelperNames(typeName);
        var mapping = new TypeMapping(typeName, Ref(definition), $"{read}($e, $p)", $"{write}($v)", type.Name + " object", "object");

        // Registered before members are mapped, so recursive types refer to themselves instead of looping.
        _mapped[typeName] = mapping;
        var definitionSchema = new JsonObj().Set("title", type.Name).Set("type", "object");
        Definitions.Set(definition, definitionSchema);

        var properties = type.GetMembers().OfType<IPropertySymbol>()
            .Where(p => !p.IsStatic && !p.IsIndexer && p.DeclaredAccessibility == Accessibility.Public && p.GetMethod is { DeclaredAccessibility: Accessibility.Public })
            .Where(p => p.Name != "EqualityContract")
            .ToList();
        var members = new List<ObjectMember>();
        var parameters = constructor?.Parameters ?? [];
        foreach (var parameter in parameters)
        {
            var property = properties.FirstOrDefault(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
            var member = MapMember(type, parameter.Name, property?.Name ?? parameter.Name, parameter.Type, ref reason);
            if (member is null)
            {
                _mapped.Remove(typeName);
                return null;
            }

            member.Kind = MemberKind.Constructor;
            member.Property = property?.Name;
            if (parameter.HasExplicitDefaultValue)
            {
                member.DefaultLiteral = Literals.ToCSharp(parameter.ExplicitDefaultValue, parameter.Type, member.Mapping.TypeName);
                member.DefaultJson = Literals.ToJson(parameter.ExplicitDefaultValue, parameter.Type, out var hasJson);
                member.HasDefaultJson = hasJson;
            }

            members.Add(member);
        }

        foreach (var property in properties)
        {
            if (members.Any(m => string.Equals(m.Property ?? m.CSharpName, property.Name, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            if (property.SetMethod is not { DeclaredAccessibility: Accessibility.Public } setter)
            {
                continue;
            }

            MemberKind kind;
            if (property.IsRequired)
            {
                kind = MemberKind.Required;
            }
            else if (!setter.IsInitOnly)
            {
                kind = MemberKind.Settable;
            }
            else if (type.IsRecord)
            {
                kind = MemberKind.With;
            }
            else
            {
                Warnings.Add(DiagnosticInfo.Create(FlowDiagnostics.InitOnlyClassProperty, property.Locations.FirstOrDefault(l => l.IsInSource) ?? location, flowName, property.Name, type.Name));
                continue;
            }

            var member = MapMember(type, property.Name, property.Name, property.Type, ref reason);
            if (member is null)
            {
                _mapped.Remove(typeName);
                return null;
            }

            member.Kind = kind;
            member.Property = property.Name;
            members.Add(member);
        }

        var schemaProperties = new JsonObj();
        var required = new List<object?>();
        foreach (var member in members)
        {
            var isRequired = member.Kind == MemberKind.Required || (member.Kind == MemberKind.Constructor && member.DefaultLiteral is null);
            schemaProperties.Set(member.JsonName, Decorate(member.Mapping.Schema, member.CSharpName, null, null, member.HasDefaultJson, member.DefaultJson));
            if (isRequired)
            {
                required.Add(member.JsonName);
            }
        }

        definitionSchema.Set("properties", schemaProperties);
        if (required.Count > 0)
        {
            definitionSchema.Set("required", required);
        }

        EmitObjectHelpers(type, typeName, read, write, members);
        return mapping;
    }

    private ObjectMember? MapMember(INamedTypeSymbol owner, string csharpName, string propertyName, ITypeSymbol memberType, ref string reason)
    {
        var mapping = Map(memberType, out var inner);
        if (mapping is null)
        {
            reason = $" (member '{propertyName}' of {owner.Name} has type '{memberType.ToDisplayString()}'{inner})";
            return null;
        }

        return new ObjectMember(csharpName, CamelCase(propertyName), mapping);
    }

    private void EmitObjectHelpers(INamedTypeSymbol type, string typeName, string read, string write, List<ObjectMember> members)
    {
        var body = new StringBuilder();
        var known = string.Join(", ", members.Select(m => JsonText.Quote(m.JsonName)));
        body.Append($"        {Json}.ExpectObject(e, path, {JsonText.Quote(type.Name + " object")});\n");
        body.Append($"        {Json}.CheckMembers(e, path, {JsonText.Quote(type.Name)}{(members.Count > 0 ? ", " + known : string.Empty)});\n");
        for (var i = 0; i < members.Count; i++)
        {
            var m = members[i];
            if (m.Kind is MemberKind.Settable or MemberKind.With)
            {
                continue;
            }

            var path = $"path + \".{m.JsonName}\"";
            var fallback = m.DefaultLiteral ?? $"throw {Json}.Missing({path}, {JsonText.Quote(m.Mapping.Expected)})";
            body.Append($"        var m{i} = {Json}.TryGetMember(e, {JsonText.Quote(m.JsonName)}, out var e{i}) ? {m.Mapping.Read($"e{i}", path)} : {fallback};\n");
        }

        var arguments = string.Join(", ", members.Select((m, i) => (m, i)).Where(x => x.m.Kind == MemberKind.Constructor).Select(x => $"m{x.i}"));
        var initializers = string.Join(", ", members.Select((m, i) => (m, i)).Where(x => x.m.Kind == MemberKind.Required).Select(x => $"@{x.m.Property} = m{x.i}"));
        body.Append($"        var result = new {typeName}({arguments}){(initializers.Length > 0 ? " { " + initializers + " }" : string.Empty)};\n");
        for (var i = 0; i < members.Count; i++)
        {
            var m = members[i];
            var path = $"path + \".{m.JsonName}\"";
            if (m.Kind == MemberKind.Settable)
            {
                body.Append($"        if ({Json}.TryGetMember(e, {JsonText.Quote(m.JsonName)}, out var e{i})) result.@{m.Property} = {m.Mapping.Read($"e{i}", path)};\n");
            }
            else if (m.Kind == MemberKind.With)
            {
                body.Append($"        if ({Json}.TryGetMember(e, {JsonText.Quote(m.JsonName)}, out var e{i})) result = result with {{ @{m.Property} = {m.Mapping.Read($"e{i}", path)} }};\n");
            }
        }

        body.Append("        return result;\n");
        AddHelper(read, $$"""
                internal static {{typeName}} {{read}}(global::System.Text.Json.JsonElement e, string path)
                {
            {{body}}    }
            """);

        var writes = new StringBuilder();
        foreach (var m in members.Where(m => m.Property is not null))
        {
            writes.Append($"        obj[{JsonText.Quote(m.JsonName)}] = {m.Mapping.Write("v.@" + m.Property)};\n");
        }

        AddHelper(write, $$"""
                internal static global::System.Text.Json.Nodes.JsonNode {{write}}({{typeName}} v)
                {
                    var obj = new global::System.Text.Json.Nodes.JsonObject();
            {{writes}}        return obj;
                }
            """);
    }

    /// <summary>
    /// A property entry: the type's schema with title, position and description; <c>$ref</c>s are wrapped in
    /// <c>allOf</c> as pydantic does, since siblings of <c>$ref</c> are ignored by older validators.
    /// </summary>
    public static JsonObj Decorate(JsonObj schema, string title, int? position, string? description, bool hasDefault, object? defaultValue)
    {
        var result = new JsonObj().Set("title", title);
        if (position is { } p)
        {
            result.Set("position", new JsonRaw(p.ToString(CultureInfo.InvariantCulture)));
        }

        if (description is not null)
        {
            result.Set("description", description);
        }

        if (schema.Has("$ref"))
        {
            result.Set("allOf", new List<object?> { schema });
        }
        else
        {
            result.AddRange(schema);
        }

        if (hasDefault)
        {
            result.Set("default", defaultValue);
        }

        return result;
    }

    private static JsonObj Ref(string definition) => new JsonObj().Set("$ref", "#/definitions/" + definition);

    private string DefinitionName(INamedTypeSymbol type)
    {
        var key = Display(type);
        if (_definitionNames.TryGetValue(key, out var name))
        {
            return name;
        }

        name = type.Name + string.Concat(type.TypeArguments.Select(a => "_" + a.Name));
        if (_definitionNames.ContainsValue(name))
        {
            name = type.ToDisplayString().Replace('.', '_').Replace('<', '_').Replace('>', '_').Replace(',', '_').Replace(" ", string.Empty);
        }

        _definitionNames[key] = name;
        return name;
    }

    private void AddHelper(string name, string code)
    {
        if (!Helpers.Any(h => h.Name == name))
        {
            Helpers.Add(new HelperModel(name, code));
        }
    }

    private static (string Read, string Write) HelperNames(string typeName)
    {
        var hash = Fnv(typeName).ToString("x8", CultureInfo.InvariantCulture);
        return ("Read_" + hash, "Write_" + hash);
    }

    private static uint Fnv(string text)
    {
        var hash = 2166136261;
        foreach (var c in text)
        {
            hash = unchecked((hash ^ c) * 16777619);
        }

        return hash;
    }

    private static string CamelCase(string name) =>
        name.Length == 0 || char.IsLower(name[0]) ? name : char.ToLowerInvariant(name[0]) + name.Substring(1);

    private static string FullName(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat.WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.None));

    private static string? SequenceKind(INamedTypeSymbol type)
    {
        if (type.TypeArguments.Length != 1)
        {
            return null;
        }

        return FullName(type.OriginalDefinition) switch
        {
            "System.Collections.Generic.List<T>" or "System.Collections.Generic.IList<T>" or "System.Collections.Generic.ICollection<T>"
                or "System.Collections.Generic.IEnumerable<T>" or "System.Collections.Generic.IReadOnlyList<T>"
                or "System.Collections.Generic.IReadOnlyCollection<T>" => "list",
            "System.Collections.Generic.HashSet<T>" or "System.Collections.Generic.ISet<T>" or "System.Collections.Generic.IReadOnlySet<T>" => "set",
            _ => null,
        };
    }

    private static bool IsDictionary(INamedTypeSymbol type) =>
        type.TypeArguments.Length == 2 && FullName(type.OriginalDefinition) is "System.Collections.Generic.Dictionary<TKey, TValue>"
            or "System.Collections.Generic.IDictionary<TKey, TValue>" or "System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>";

    private static bool IsObjectCandidate(INamedTypeSymbol type)
    {
        if (type.IsAbstract || type.IsStatic || type.IsRefLikeType || type.TypeKind == TypeKind.Delegate)
        {
            return false;
        }

        // Framework types (Stream, object, Task, ...) are not parameter records, even when they have constructors.
        var ns = type.ContainingNamespace?.ToDisplayString() ?? string.Empty;
        return !(ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal) || ns == "Microsoft" || ns.StartsWith("Microsoft.", StringComparison.Ordinal));
    }

    /// <summary>True when generated code in the same assembly can name the type.</summary>
    public static bool IsAccessible(ISymbol symbol)
    {
        for (var current = symbol; current is not null and not INamespaceSymbol; current = current.ContainingSymbol)
        {
            if (current.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }

        return true;
    }

    private enum MemberKind
    {
        Constructor,
        Required,
        Settable,
        With,
    }

    private sealed class ObjectMember(string csharpName, string jsonName, TypeMapping mapping)
    {
        public string CSharpName { get; } = csharpName;

        public string JsonName { get; } = jsonName;

        public TypeMapping Mapping { get; } = mapping;

        public MemberKind Kind { get; set; }

        public string? Property { get; set; }

        public string? DefaultLiteral { get; set; }

        public object? DefaultJson { get; set; }

        public bool HasDefaultJson { get; set; }
    }
}
