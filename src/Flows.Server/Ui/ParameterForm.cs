using System.Globalization;
using System.Text.Json;
using static Flows.Server.Ui.Html;

namespace Flows.Server.Ui;

/// <summary>
/// The Run form of a deployment page, generated from its parameter_openapi_schema (the JSON schema the
/// generator emits, Pydantic-shaped): string, number, integer and boolean inputs, a select for an enum, and
/// a JSON textarea for objects, arrays and anything it cannot map. Values are prefilled from the
/// deployment's parameters, else the schema's defaults. An empty field is left out of the request, so the
/// deployment's value (or the flow's default) applies, as when the API is called without it.
/// </summary>
internal static class ParameterForm
{
    public const string FieldPrefix = "p.";

    public enum Kind { String, Number, Integer, Boolean, Enum, Json }

    public sealed record Field(string Name, string Title, string? Description, Kind Kind, bool Required, JsonElement? Value, IReadOnlyList<JsonElement> Options);

    public static List<Field> Fields(JsonElement? schema, IDictionary<string, JsonElement> deploymentParameters)
    {
        var fields = new List<Field>();
        if (schema is not { ValueKind: JsonValueKind.Object } root || !root.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return fields;
        }

        var required = root.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToHashSet(StringComparer.Ordinal)
            : [];
        var ordered = properties.EnumerateObject()
            .Select((p, i) => (p, order: p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("position", out var pos) && pos.TryGetInt32(out var n) ? n : 10_000 + i))
            .OrderBy(x => x.order);
        foreach (var (property, _) in ordered)
        {
            var declared = property.Value;
            var resolved = Resolve(root, declared);
            var defaultValue = Get(declared, "default") ?? Get(resolved, "default");
            var value = deploymentParameters.TryGetValue(property.Name, out var given) ? given : defaultValue;
            var title = Get(declared, "title") is { ValueKind: JsonValueKind.String } t ? t.GetString()! : property.Name;
            var description = (Get(declared, "description") ?? Get(resolved, "description")) is { ValueKind: JsonValueKind.String } d ? d.GetString() : null;
            var options = Get(resolved, "enum") is { ValueKind: JsonValueKind.Array } e ? e.EnumerateArray().Select(x => x.Clone()).ToList() : [];
            var kind = options.Count > 0 ? Kind.Enum : TypeOf(resolved) switch
            {
                "string" => Kind.String,
                "number" => Kind.Number,
                "integer" => Kind.Integer,
                "boolean" => Kind.Boolean,
                _ => Kind.Json,
            };
            fields.Add(new Field(property.Name, title, description, kind, required.Contains(property.Name), value, options));
        }

        return fields;
    }

    /// <summary>Reads the posted form into parameters; a value that does not parse is an error for its field.</summary>
    public static (Dictionary<string, JsonElement> Parameters, Dictionary<string, string> Errors) Parse(IReadOnlyList<Field> fields, Func<string, string?> form)
    {
        var parameters = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            var text = form(FieldPrefix + field.Name);
            if (field.Kind == Kind.Boolean)
            {
                // An unchecked box sends nothing; the form always renders the box, so absent means false.
                parameters[field.Name] = JsonSerializer.SerializeToElement(text is "true" or "on");
                continue;
            }

            if (string.IsNullOrEmpty(text))
            {
                continue;
            }

            switch (field.Kind)
            {
                case Kind.String:
                    parameters[field.Name] = JsonSerializer.SerializeToElement(text);
                    break;
                case Kind.Integer when long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer):
                    parameters[field.Name] = JsonSerializer.SerializeToElement(integer);
                    break;
                case Kind.Number when double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number):
                    parameters[field.Name] = JsonSerializer.SerializeToElement(number);
                    break;
                case Kind.Integer:
                case Kind.Number:
                    errors[field.Name] = $"'{text}' is not {(field.Kind == Kind.Integer ? "an integer" : "a number")}.";
                    break;
                case Kind.Enum:
                    var option = field.Options.FirstOrDefault(o => OptionValue(o) == text);
                    if (option.ValueKind == JsonValueKind.Undefined)
                    {
                        errors[field.Name] = $"'{text}' is not one of the allowed values.";
                    }
                    else
                    {
                        parameters[field.Name] = option;
                    }

                    break;
                default:
                    try
                    {
                        using var document = JsonDocument.Parse(text);
                        parameters[field.Name] = document.RootElement.Clone();
                    }
                    catch (JsonException ex)
                    {
                        errors[field.Name] = $"Not valid JSON: {ex.Message}";
                    }

                    break;
            }
        }

        return (parameters, errors);
    }

    /// <summary>The inputs; <paramref name="posted"/> (after a failed submit) wins over the prefilled values.</summary>
    public static Html Render(IReadOnlyList<Field> fields, Func<string, string?>? posted, IReadOnlyDictionary<string, string>? errors)
    {
        if (fields.Count == 0)
        {
            return Raw("<p class=\"muted\">This deployment's flow takes no parameters.</p>");
        }

        return Join(fields.Select((field, i) =>
        {
            var id = "param-" + i.ToString(CultureInfo.InvariantCulture);
            var name = FieldPrefix + field.Name;
            var text = posted is not null ? posted(name) : Text(field);
            var input = field.Kind switch
            {
                Kind.String => H($"<input type=\"text\" id=\"{id}\" name=\"{name}\" value=\"{text}\">"),
                Kind.Integer => H($"<input type=\"number\" step=\"1\" id=\"{id}\" name=\"{name}\" value=\"{text}\">"),
                Kind.Number => H($"<input type=\"number\" step=\"any\" id=\"{id}\" name=\"{name}\" value=\"{text}\">"),
                Kind.Boolean => H($"<input type=\"checkbox\" id=\"{id}\" name=\"{name}\" value=\"true\"{(text == "true" ? Raw(" checked") : Html.Empty)}>"),
                Kind.Enum => H($"<select id=\"{id}\" name=\"{name}\">{(field.Required ? Html.Empty : Raw("<option value=\"\">(default)</option>"))}{Join(field.Options.Select(o =>
                    H($"<option value=\"{OptionValue(o)}\"{(OptionValue(o) == text ? Raw(" selected") : Html.Empty)}>{OptionValue(o)}</option>")))}</select>"),
                _ => H($"<textarea id=\"{id}\" name=\"{name}\" rows=\"4\" spellcheck=\"false\">{text}</textarea>"),
            };
            var error = errors is not null && errors.TryGetValue(field.Name, out var message) ? H($"<div class=\"field-error\">{message}</div>") : Html.Empty;
            var hint = field.Description is null ? Html.Empty : H($"<div class=\"hint\">{field.Description}</div>");
            var type = field.Kind.ToString().ToLowerInvariant();
            return H($"<div class=\"field\" data-kind=\"{type}\"><label for=\"{id}\">{field.Title}{(field.Required ? Raw(" <span class=\"req\">*</span>") : Html.Empty)} <span class=\"muted\">{type}</span></label>{input}{hint}{error}</div>");
        }));
    }

    private static string? Text(Field field) => field.Value switch
    {
        null => null,
        { ValueKind: JsonValueKind.Null } => null,
        { ValueKind: JsonValueKind.String } s when field.Kind is Kind.String or Kind.Enum => s.GetString(),
        { ValueKind: JsonValueKind.True } => "true",
        { ValueKind: JsonValueKind.False } => "false",
        { } v when field.Kind == Kind.Json => JsonSerializer.Serialize(v, Indented),
        { } v => v.GetRawText(),
    };

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        // Shown as text, and the page HTML-encodes it: the default encoder's \u0022 escapes would only hurt reading.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static string OptionValue(JsonElement option) => option.ValueKind == JsonValueKind.String ? option.GetString()! : option.GetRawText();

    private static JsonElement? Get(JsonElement schema, string name)
        => schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty(name, out var value) ? value : null;

    /// <summary>Follows $ref into definitions/$defs, a single allOf, and a nullable anyOf/oneOf (T or null).</summary>
    private static JsonElement Resolve(JsonElement root, JsonElement schema, int depth = 0)
    {
        if (depth > 8 || schema.ValueKind != JsonValueKind.Object)
        {
            return schema;
        }

        if (Get(schema, "$ref") is { ValueKind: JsonValueKind.String } reference && reference.GetString() is { } path && path.StartsWith("#/", StringComparison.Ordinal))
        {
            var target = root;
            foreach (var segment in path[2..].Split('/'))
            {
                if (Get(target, segment.Replace("~1", "/").Replace("~0", "~")) is not { } next)
                {
                    return schema;
                }

                target = next;
            }

            return Resolve(root, target, depth + 1);
        }

        foreach (var combinator in new[] { "allOf", "anyOf", "oneOf" })
        {
            if (Get(schema, combinator) is { ValueKind: JsonValueKind.Array } options)
            {
                var nonNull = options.EnumerateArray().Where(o => TypeOf(o) != "null").ToList();
                if (nonNull.Count == 1)
                {
                    return Resolve(root, nonNull[0], depth + 1);
                }
            }
        }

        return schema;
    }

    private static string? TypeOf(JsonElement schema)
        => Get(schema, "type") switch
        {
            { ValueKind: JsonValueKind.String } t => t.GetString(),
            { ValueKind: JsonValueKind.Array } types when types.EnumerateArray().Where(x => x.GetString() != "null").ToList() is [var only] => only.GetString(),
            _ => null,
        };
}
