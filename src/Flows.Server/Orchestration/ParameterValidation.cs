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

        EvaluationResults result;
        try
        {
            var built = JsonSchema.Build(schema, new BuildOptions { Dialect = Dialect.Draft07 }, new Uri($"urn:flows:parameters:{Guid.NewGuid()}"));
            result = built.Evaluate(JsonSerializer.SerializeToElement(parameters), new EvaluationOptions { OutputFormat = OutputFormat.List });
        }
        catch (Exception ex) when (ex is RefResolutionException or JsonSchemaException or InvalidOperationException or ArgumentException)
        {
            // A stored schema that cannot be evaluated (an unresolvable $ref: no remote schemas are fetched) is the request's problem, not a crash.
            throw ApiException.Conflict($"Error creating flow run: the deployment's parameter schema cannot be evaluated: {ex.Message}");
        }
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
