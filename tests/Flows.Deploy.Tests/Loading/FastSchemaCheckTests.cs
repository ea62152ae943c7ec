using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Deploy.Loading;
using Json.Schema;

namespace Flows.Deploy.Tests.Loading;

/// <summary>The fast check may only say "valid" where JsonSchema.Net says valid (it skips JsonSchema.Net then).</summary>
public class FastSchemaCheckTests
{
    private static JsonObject PrefectSchema()
    {
        using var stream = typeof(PrefectYamlSchema).Assembly.GetManifestResourceStream("Flows.Deploy.Schemas.prefect.yaml.schema.json")!;
        var node = JsonNode.Parse(stream)!.AsObject();
        node.Remove("$id");
        return node;
    }

    // Values of every JSON type, including the shapes Prefect's keys accept and the ones they refuse.
    private static readonly string[] Values =
    [
        "null", "true", "false", "0", "1", "-1", "1.5", "1.0", "\"x\"", "\"\"", "\"2024-01-01T00:00:00Z\"", "\"not a date\"", "\"PT1H\"", "\"minor\"", "\"severe\"",
        "[]", "[\"a\", \"b\"]", "[1]", "[{}]", "[null]", "{}", "{\"a\": 1}", "{\"limit\": 2}", "{\"limit\": \"x\"}", "{\"cron\": \"0 * * * *\"}",
        "{\"cron\": \"0 * * * *\", \"timezone\": \"UTC\", \"day_or\": true}", "{\"interval\": 3600}", "{\"interval\": 3600, \"anchor_date\": \"nope\"}",
        "{\"rrule\": \"FREQ=DAILY\"}", "{\"cron\": 5}", "{\"schedule\": {\"cron\": \"* * * * *\"}, \"max_scheduled_runs\": 0}",
        "{\"schedule\": {\"interval\": 60}, \"max_scheduled_runs\": 3, \"active\": true}", "{\"name\": \"p\", \"job_variables\": {\"image\": \"i\"}}",
        "{\"name\": \"p\", \"job_variables\": []}", "{\"name\": \"s\", \"severity\": \"minor\", \"stale_after\": 60}", "{\"name\": \"s\", \"severity\": \"bad\", \"stale_after\": 60}",
        "[{\"cron\": \"* * * * *\"}]", "[{\"interval\": 60, \"unknown\": 1}]", "[{\"prefect.deployments.steps.run_shell_script\": {\"script\": \"x\"}}]",
    ];

    private static readonly string[] DeploymentKeys =
    [
        "name", "version", "version_type", "tags", "description", "schedule", "schedules", "paused", "concurrency_limit", "flow_name", "entrypoint",
        "parameters", "enforce_parameter_schema", "build", "push", "pull", "work_pool", "triggers", "sla", "unknown_key",
    ];

    [Fact]
    public void NeverSaysValidWhereJsonSchemaNetSaysInvalid()
    {
        var schemaNode = PrefectSchema();
        var fast = FastSchemaCheck.Compile(schemaNode);
        Assert.NotNull(fast);
        var slow = JsonSchema.FromText(schemaNode.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        var random = new Random(1234);
        var agreedValid = 0;
        var slowValid = 0;
        for (var n = 0; n < 3000; n++)
        {
            var deployment = new JsonObject();
            foreach (var key in DeploymentKeys.Where(_ => random.Next(4) == 0))
            {
                deployment[key] = JsonNode.Parse(Values[random.Next(Values.Length)]);
            }

            var root = new JsonObject { ["deployments"] = new JsonArray(deployment) };
            foreach (var key in new[] { "name", "prefect-version", "build", "push", "pull", "extra" }.Where(_ => random.Next(6) == 0))
            {
                root[key] = JsonNode.Parse(Values[random.Next(Values.Length)]);
            }

            JsonNode document = random.Next(50) == 0 ? JsonNode.Parse(Values[random.Next(Values.Length)]) ?? new JsonArray() : root;
            using var json = JsonDocument.Parse(document.ToJsonString());
            var valid = slow.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.Flag }).IsValid;
            slowValid += valid ? 1 : 0;
            if (fast.IsCertainlyValid(document))
            {
                Assert.True(valid, $"fast check accepted what JsonSchema.Net refuses: {document.ToJsonString()}");
                agreedValid++;
            }
        }

        // And it does decide most valid documents itself (otherwise it saves nothing).
        Assert.True(slowValid > 40 && agreedValid * 2 > slowValid, $"the fast check decided {agreedValid} of {slowValid} valid documents");
    }

    [Fact]
    public void TheSamplesAreDecidedWithoutJsonSchemaNet()
    {
        var fast = FastSchemaCheck.Compile(PrefectSchema())!;
        var path = Path.Combine(YamlDocumentLoaderTests.FindRepoRoot(), "samples", "hello", "prefect.yaml");
        Assert.True(fast.IsCertainlyValid(YamlDocumentLoader.Load(path, File.ReadAllText(path)).Root));
    }

    [Fact]
    public void KeywordsItDoesNotImplementMeanNoFastCheck()
    {
        Assert.Null(FastSchemaCheck.Compile(JsonNode.Parse("""{"type": "object", "patternProperties": {"^x": {"type": "string"}}}""")!));
        Assert.Null(FastSchemaCheck.Compile(JsonNode.Parse("""{"$ref": "#/$defs/Missing"}""")!));
    }
}
