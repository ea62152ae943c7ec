using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;

namespace Flows.Server.Ui;

/// <summary>
/// A fragment of HTML that is safe to write as is. The only ways to make one are <see cref="Raw"/> (for
/// literals the UI code owns) and <see cref="H"/>, whose interpolation holes are HTML-encoded unless they are
/// themselves <see cref="Html"/>: so every value that came from the database is encoded by default, and a
/// forgotten encode cannot happen by omission.
/// </summary>
internal readonly struct Html
{
    private Html(string value) => Value = value;

    public string Value { get; }

    public static Html Empty { get; } = new(string.Empty);

    /// <summary>Markup written by this code (never data).</summary>
    public static Html Raw(string markup) => new(markup);

    /// <summary>Builds markup from an interpolated string, encoding every hole that is not already <see cref="Html"/>.</summary>
    public static Html H(ref HtmlHandler handler) => new(handler.ToStringAndClear());

    /// <summary>Concatenates fragments.</summary>
    public static Html Join(IEnumerable<Html> parts)
    {
        var builder = new StringBuilder();
        foreach (var part in parts)
        {
            builder.Append(part.Value);
        }

        return new Html(builder.ToString());
    }

    /// <summary>Encodes text for an element body or a double-quoted attribute value.</summary>
    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>The interpolated-string handler behind <see cref="Html.H"/>.</summary>
[InterpolatedStringHandler]
internal ref struct HtmlHandler
{
    private StringBuilder? _builder;

    public HtmlHandler(int literalLength, int formattedCount) => _builder = new StringBuilder(literalLength + (formattedCount * 16));

    public readonly void AppendLiteral(string literal) => _builder!.Append(literal);

    public readonly void AppendFormatted(Html html) => _builder!.Append(html.Value);

    public readonly void AppendFormatted(IEnumerable<Html> parts)
    {
        foreach (var part in parts)
        {
            _builder!.Append(part.Value);
        }
    }

    public readonly void AppendFormatted(string? text) => _builder!.Append(Html.Encode(text));

    public readonly void AppendFormatted<T>(T value)
        => _builder!.Append(Html.Encode(value is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : value?.ToString()));

    public readonly void AppendFormatted<T>(T value, string format)
        where T : IFormattable
        => _builder!.Append(Html.Encode(value.ToString(format, CultureInfo.InvariantCulture)));

    public string ToStringAndClear()
    {
        var text = _builder!.ToString();
        _builder = null;
        return text;
    }
}
