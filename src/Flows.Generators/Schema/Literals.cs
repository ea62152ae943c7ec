using System;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Flows.Generators.Schema;

/// <summary>Turns a parameter's default value into C# code (for the binder) and JSON (for the schema's "default").</summary>
internal static class Literals
{
    /// <summary>The C# expression for <paramref name="value"/> as a default of <paramref name="type"/>.</summary>
    public static string ToCSharp(object? value, ITypeSymbol type, string typeName)
    {
        var underlying = type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } n ? n.TypeArguments[0] : type;
        if (value is null)
        {
            return type.IsValueType && underlying.Equals(type, SymbolEqualityComparer.Default) ? $"default({typeName})" : $"default({typeName})!";
        }

        if (underlying.TypeKind == TypeKind.Enum)
        {
            return $"({underlying.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)})({Convert.ToString(value, CultureInfo.InvariantCulture)})";
        }

        return value switch
        {
            string s => SymbolDisplay.FormatLiteral(s, quote: true),
            bool b => b ? "true" : "false",
            char c => SymbolDisplay.FormatLiteral(c, quote: true),
            float f when float.IsNaN(f) => "float.NaN",
            float f when float.IsPositiveInfinity(f) => "float.PositiveInfinity",
            float f when float.IsNegativeInfinity(f) => "float.NegativeInfinity",
            float f => f.ToString("R", CultureInfo.InvariantCulture) + "F",
            double d when double.IsNaN(d) => "double.NaN",
            double d when double.IsPositiveInfinity(d) => "double.PositiveInfinity",
            double d when double.IsNegativeInfinity(d) => "double.NegativeInfinity",
            double d => d.ToString("R", CultureInfo.InvariantCulture) + "D",
            decimal m => m.ToString(CultureInfo.InvariantCulture) + "M",
            long l => l.ToString(CultureInfo.InvariantCulture) + "L",
            ulong ul => ul.ToString(CultureInfo.InvariantCulture) + "UL",
            uint ui => ui.ToString(CultureInfo.InvariantCulture) + "U",
            _ => $"({typeName})({Convert.ToString(value, CultureInfo.InvariantCulture)})",
        };
    }

    /// <summary>
    /// The JSON for a default value, or <c>false</c> in <paramref name="hasJson"/> when the default has no JSON form
    /// (<c>default(DateTime)</c>); the parameter is then optional without a "default" in the schema.
    /// </summary>
    public static object? ToJson(object? value, ITypeSymbol type, out bool hasJson)
    {
        hasJson = true;
        var underlying = type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } n ? n.TypeArguments[0] : type;
        if (value is null)
        {
            // default(T) of a non-nullable struct has no JSON form worth showing; null is "default": null.
            hasJson = !(type.IsValueType && underlying.Equals(type, SymbolEqualityComparer.Default));
            return null;
        }

        if (underlying is INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType)
        {
            var member = enumType.GetMembers().OfType<IFieldSymbol>().FirstOrDefault(f => f.HasConstantValue && Equals(f.ConstantValue, value));
            if (member is null)
            {
                hasJson = false;
                return null;
            }

            return member.Name;
        }

        return value switch
        {
            string s => s,
            bool b => b,
            char c => c.ToString(),
            float f when float.IsNaN(f) || float.IsInfinity(f) => Unrepresentable(out hasJson),
            double d when double.IsNaN(d) || double.IsInfinity(d) => Unrepresentable(out hasJson),
            float f => new JsonRaw(((double)f).ToString("R", CultureInfo.InvariantCulture)),
            double d => new JsonRaw(d.ToString("R", CultureInfo.InvariantCulture)),
            decimal m => new JsonRaw(m.ToString(CultureInfo.InvariantCulture)),
            IFormattable f => new JsonRaw(f.ToString(null, CultureInfo.InvariantCulture)),
            _ => Unrepresentable(out hasJson),
        };
    }

    private static object? Unrepresentable(out bool hasJson)
    {
        hasJson = false;
        return null;
    }
}
