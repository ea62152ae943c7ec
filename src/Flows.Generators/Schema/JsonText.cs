using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Flows.Generators.Schema;

/// <summary>
/// Just enough JSON writing for schemas and the manifest (System.Text.Json is not available to netstandard2.0
/// analyzers without shipping it). Values are <see cref="JsonObj"/>, <see cref="List{T}"/> of values, string, bool,
/// <see cref="JsonRaw"/> (a number already in JSON form) or null.
/// </summary>
internal static class JsonText
{
    public static string Write(object? value)
    {
        var builder = new StringBuilder();
        Append(builder, value);
        return builder.ToString();
    }

    public static string Quote(string value)
    {
        var builder = new StringBuilder();
        AppendString(builder, value);
        return builder.ToString();
    }

    private static void Append(StringBuilder builder, object? value)
    {
        switch (value)
        {
            case null:
                builder.Append("null");
                break;
            case string s:
                AppendString(builder, s);
                break;
            case bool b:
                builder.Append(b ? "true" : "false");
                break;
            case JsonRaw raw:
                builder.Append(raw.Text);
                break;
            case JsonObj obj:
                builder.Append('{');
                for (var i = 0; i < obj.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(',');
                    }

                    AppendString(builder, obj[i].Key);
                    builder.Append(':');
                    Append(builder, obj[i].Value);
                }

                builder.Append('}');
                break;
            case IEnumerable<object?> list:
                builder.Append('[');
                var first = true;
                foreach (var item in list)
                {
                    if (!first)
                    {
                        builder.Append(',');
                    }

                    first = false;
                    Append(builder, item);
                }

                builder.Append(']');
                break;
            default:
                AppendString(builder, System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
                break;
        }
    }

    private static void AppendString(StringBuilder builder, string s)
    {
        builder.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append('"');
    }
}

/// <summary>A JSON object that keeps insertion order (schemas read better in declaration order).</summary>
internal sealed class JsonObj : List<KeyValuePair<string, object?>>
{
    public JsonObj Set(string key, object? value)
    {
        var index = FindIndex(p => p.Key == key);
        if (index >= 0)
        {
            this[index] = new KeyValuePair<string, object?>(key, value);
        }
        else
        {
            Add(new KeyValuePair<string, object?>(key, value));
        }

        return this;
    }

    public object? Get(string key)
    {
        var index = FindIndex(p => p.Key == key);
        return index >= 0 ? this[index].Value : null;
    }

    public bool Has(string key) => FindIndex(p => p.Key == key) >= 0;

    public JsonObj Clone()
    {
        var copy = new JsonObj();
        copy.AddRange(this);
        return copy;
    }
}

/// <summary>A JSON number already formatted.</summary>
internal sealed class JsonRaw(string text)
{
    public string Text { get; } = text;
}
