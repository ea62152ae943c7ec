using System.Text.Json;
using Flows.Server.Hosting;
using Json.Schema;

namespace Flows.Server.Orchestration;

/// <summary>Checks run parameters against the deployment's parameter_openapi_schema (409 naming the field, as Prefect).</summary>
internal static class ParameterValidation
{
    public static void Validate(JsonElement schema, IDictionary<string, JsonElement> parameters)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var built = JsonSchema.Build(schema, new BuildOptions { Dialect = Dialect.Draft07 }, new Uri($"urn:flows:parameters:{Guid.NewGuid()}"));
        var instance = JsonSerializer.SerializeToElement(parameters);
        var result = built.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return;
        }

        var details = (result.Details ?? []).Append(result).ToList();
        var failure = details.FirstOrDefault(d => d.Errors is { Count: > 0 } && d.InstanceLocation.ToString() != string.Empty)
            ?? details.FirstOrDefault(d => d.Errors is { Count: > 0 });
        var field = failure?.InstanceLocation.ToString().TrimStart('/');
        var reason = failure?.Errors?.Values.FirstOrDefault() ?? "the parameters do not match the schema";
        throw ApiException.Conflict(string.IsNullOrEmpty(field)
            ? $"Error creating flow run: Validation failed. Failure reason: {reason}"
            : $"Error creating flow run: Validation failed for field '{field.Replace('/', '.')}'. Failure reason: {reason}");
    }
}
