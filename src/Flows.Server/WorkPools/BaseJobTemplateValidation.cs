using System.Text.Json;
using System.Text.RegularExpressions;
using Flows.Server.Hosting;
using Json.Schema;

namespace Flows.Server.WorkPools;

/// <summary>
/// Checks a work pool's <c>base_job_template</c> on create and on update, so a stored pool can always be listed, have
/// job variables checked against it and be rendered by workers: an object, either empty or holding a
/// <c>job_configuration</c> object and a <c>variables</c> JSON schema of an object whose <c>properties</c> declare every
/// <c>{{ placeholder }}</c> the configuration uses (Prefect's <c>validate_base_job_template</c>, plus the schema shape).
/// Failures are 422s naming the field.
/// </summary>
internal static partial class BaseJobTemplateValidation
{
    /// <summary>Largest template accepted, as JSON text (Prefect's kubernetes template is about 10 KB).</summary>
    public const int MaxLength = 256 * 1024;

    public static void Validate(JsonElement template)
    {
        if (template.ValueKind != JsonValueKind.Object)
        {
            throw Invalid([], "Input should be a valid dictionary", "dict_type");
        }

        if (!template.EnumerateObject().Any())
        {
            return;
        }

        if (template.GetRawText().Length > MaxLength)
        {
            throw Invalid([], $"The base job template should have at most {MaxLength} characters of JSON");
        }

        if (!template.TryGetProperty("job_configuration", out var configuration) || !template.TryGetProperty("variables", out var variables))
        {
            throw Invalid([], "The `base_job_template` must contain both a `job_configuration` key and a `variables` key.");
        }

        if (configuration.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(["job_configuration"], "Input should be a valid dictionary", "dict_type");
        }

        if (variables.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(["variables"], "Input should be a valid dictionary (a JSON schema)", "dict_type");
        }

        if (variables.TryGetProperty("type", out var type) && !(type.ValueKind == JsonValueKind.String && type.GetString() == "object"))
        {
            throw Invalid(["variables", "type"], "The variables schema should describe an object (\"type\": \"object\")");
        }

        var declared = new HashSet<string>(StringComparer.Ordinal);
        if (variables.TryGetProperty("properties", out var properties))
        {
            if (properties.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(["variables", "properties"], "Input should be a valid dictionary", "dict_type");
            }

            foreach (var property in properties.EnumerateObject())
            {
                if (property.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
                {
                    throw Invalid(["variables", "properties", property.Name], "Each variable should be described by a JSON schema object");
                }

                declared.Add(property.Name);
            }
        }

        if (variables.TryGetProperty("required", out var required)
            && (required.ValueKind != JsonValueKind.Array || required.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String)))
        {
            throw Invalid(["variables", "required"], "Input should be a list of variable names", "list_type");
        }

        try
        {
            JsonSchema.Build(variables, new BuildOptions { Dialect = Dialect.Draft07 }, new Uri($"urn:flows:template-check:{Guid.NewGuid()}"));
        }
        catch (Exception ex) when (ex is JsonSchemaException or JsonException or ArgumentException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw Invalid(["variables"], $"The variables are not a valid JSON schema: {ex.Message}");
        }

        var undeclared = Placeholder().Matches(configuration.GetRawText())
            .Select(m => m.Groups[1].Value)
            .Where(name => !name.StartsWith("prefect.", StringComparison.Ordinal) && !name.StartsWith("ctx.", StringComparison.Ordinal) && !declared.Contains(name))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (undeclared.Count > 0)
        {
            throw Invalid(["job_configuration"],
                $"The variables specified in the job configuration template must be present as properties in the variables schema. Your job configuration uses the following undeclared variable(s): {string.Join(", ", undeclared)}.");
        }
    }

    private static ApiException Invalid(string[] path, string message, string type = "value_error")
        => ApiException.Validation(["body", "base_job_template", .. path], message, type);

    // The placeholders workers render (Flows.Workers' JobConfigurationRenderer).
    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_\-\.\$]+)\s*\}\}")]
    private static partial Regex Placeholder();
}
