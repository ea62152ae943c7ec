using System.Text.Json.Nodes;
using Flows.Deploy.Templating;

namespace Flows.Deploy.Tests.Templating;

/// <summary>Every case in reference/prefect/conformance/templating.json, data-driven.</summary>
public class TemplatingConformanceTests
{
    private static readonly JsonObject Doc = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "templating.json")))!.AsObject();

    public static TheoryData<string> Cases() => new(Doc["cases"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case(string name)
    {
        var c = Doc["cases"]!.AsArray().Single(x => x!["name"]!.GetValue<string>() == name)!.AsObject();
        var outputs = Doc["step_outputs"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.DeepClone().AsObject());
        foreach (var (k, v) in c["step_outputs_extra"]?.AsObject() ?? [])
        {
            outputs[k] = v!.DeepClone().AsObject();
        }

        var env = Doc["env"]!.AsObject().Concat(c["env_extra"]?.AsObject() ?? []).ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
        var engine = new TemplateEngine(outputs, n => env.TryGetValue(n, out var v) ? v : null);

        if (c["error"] is { } error)
        {
            var ex = Assert.Throws<TemplateException>(() => engine.Render(c["template"]));
            Assert.Contains(error.GetValue<string>(), ex.Message, StringComparison.OrdinalIgnoreCase);
        }
        else
        {
            var actual = engine.Render(c["template"]);
            Assert.True(JsonNode.DeepEquals(c["expect"], actual), $"expected {c["expect"]?.ToJsonString()} got {actual?.ToJsonString()}");
        }
    }

    [Fact]
    public void RandomTemplatesOnlyFailCleanly()
    {
        var random = new Random(1234);
        const string alphabet = "{}$ ?.-_[]0123aZb/\\\"";
        var engine = new TemplateEngine(new Dictionary<string, JsonObject> { ["s"] = new() { ["k"] = 1 } }, _ => null);
        for (var i = 0; i < 5000; i++)
        {
            var text = new string(Enumerable.Range(0, random.Next(40)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            try
            {
                engine.Render(JsonValue.Create(text));
            }
            catch (TemplateException)
            {
            }
        }
    }
}
