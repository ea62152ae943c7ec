using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Server.Hosting;
using Json.Schema;

namespace Flows.Server.WorkPools;

/// <summary>
/// Checks job variables against the pool's <c>base_job_template.variables</c> schema. Only the values
/// given are checked (required is ignored: the template's defaults fill the rest at run time), as
/// Prefect does for deployments.
/// </summary>
internal static class JobVariableValidation
{
    private static readonly ConcurrentDictionary<string, JsonSchema> Cache = new();

    public static void Validate(JsonElement? baseJobTemplate, IDictionary<string, JsonElement>? jobVariables, HttpStatusCode status, string what)
    {
        if (jobVariables is not { Count: > 0 } || baseJobTemplate is not { ValueKind: JsonValueKind.Object } template
            || !template.TryGetProperty("variables", out var variables) || variables.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var text = variables.GetRawText();
        var schema = Cache.GetOrAdd(text, static t =>
        {
            var node = JsonNode.Parse(t)!.AsObject();
            node.Remove("required");
            using var doc = JsonDocument.Parse(node.ToJsonString());
            return JsonSchema.Build(doc.RootElement.Clone(), new BuildOptions { Dialect = Dialect.Draft07 }, new Uri($"urn:flows:job-variables:{Guid.NewGuid()}"));
        });
        var result = schema.Evaluate(JsonSerializer.SerializeToElement(jobVariables), new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return;
        }

        var failure = (result.Details ?? []).Append(result).FirstOrDefault(d => d.Errors is { Count: > 0 } && d.InstanceLocation.ToString().Length > 0)
            ?? (result.Details ?? []).Append(result).First(d => d.Errors is { Count: > 0 });
        var field = failure.InstanceLocation.ToString().TrimStart('/').Replace('/', '.');
        throw new ApiException(status, $"Error {what}: Validation failed for field '{field}'. Failure reason: {failure.Errors!.Values.First()}");
    }
}
