using System.Reflection;
using System.Text.Json;
using Flows;

namespace Flows.Generators.Tests;

/// <summary>
/// The generated registry binds JSON parameters to typed calls (no reflection in the generated code) and reports
/// bad values by path. The test loads a compiled project and calls its generated descriptors.
/// </summary>
public sealed class RegistryTests
{
    private static readonly Lazy<Assembly> Compiled = new(() => GeneratorHarness.Run("""
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;
        using Flows;

        namespace RegistryApp;

        public enum Mode { Fast, Careful }

        public sealed record Line(string Sku, int Quantity = 1);

        public sealed record Order(Guid Id, List<Line> Lines, Dictionary<string, string> Labels)
        {
            public Mode? Mode { get; init; }
            public DateTimeOffset? Due { get; init; }
        }

        public sealed class Tuning
        {
            public int Retries { get; set; } = 3;
            public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);
        }

        public static class RegistryFlows
        {
            [Flow("registry-describe")]
            public static string Describe(Order order, Tuning? tuning = null, Mode mode = Mode.Fast, string[]? extra = null, decimal price = 1.5m)
            {
                var lines = string.Join(",", order.Lines.Select(l => l.Sku + "x" + l.Quantity));
                var labels = string.Join(",", order.Labels.OrderBy(p => p.Key).Select(p => p.Key + "=" + p.Value));
                return $"{order.Id:N}|{lines}|{labels}|{order.Mode?.ToString() ?? "-"}|{order.Due?.Year.ToString() ?? "-"}|{tuning?.Retries.ToString() ?? "-"}|{tuning?.Timeout.TotalSeconds.ToString() ?? "-"}|{mode}|{(extra is null ? "-" : string.Join("+", extra))}|{price}";
            }

            [Flow("registry-async")]
            public static async Task<int> CountAsync(IReadOnlyList<int> values, CancellationToken cancellationToken)
            {
                await Task.Delay(1, cancellationToken);
                return values.Sum();
            }
        }
        """, assemblyName: "RegistryApp").Load());

    private static FlowDescriptor Descriptor(int index) =>
        (FlowDescriptor)Compiled.Value.GetType("Flows.Generated.GeneratedFlows")!.GetField("Flow" + index, BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;

    private static async Task<object?> Call(FlowDescriptor flow, string json)
    {
        using var document = JsonDocument.Parse(json);
        return await flow.Bind(document.RootElement)(CancellationToken.None);
    }

    [Fact]
    public async Task Nested_records_lists_dictionaries_enums_and_nullables_bind()
    {
        var result = await Call(Descriptor(0), """
            {
              "order": {
                "id": "6f9619ff-8b86-d011-b42d-00cf4fc964ff",
                "lines": [{ "sku": "a", "quantity": 2 }, { "Sku": "b" }],
                "labels": { "z": "1", "a": "2" },
                "mode": "careful",
                "due": "2027-01-02T03:04:05+00:00"
              },
              "tuning": { "retries": 5, "timeout": "PT1M" },
              "mode": "Careful",
              "extra": ["x", "y"]
            }
            """);

        Assert.Equal("6f9619ff8b86d011b42d00cf4fc964ff|ax2,bx1|a=2,z=1|Careful|2027|5|60|Careful|x+y|1.5", result);
    }

    [Fact]
    public async Task Defaults_apply_for_missing_optional_values()
    {
        var result = await Call(Descriptor(0), """{ "order": { "id": "6f9619ff-8b86-d011-b42d-00cf4fc964ff", "lines": [], "labels": {} }, "tuning": {} }""");

        Assert.Equal("6f9619ff8b86d011b42d00cf4fc964ff|||-|-|3|5|Fast|-|1.5", result);
    }

    [Theory]
    [InlineData("""{ "order": { "id": "nope", "lines": [], "labels": {} } }""", "parameter 'order.id' expects uuid string, got \"nope\"")]
    [InlineData("""{ "order": { "id": "6f9619ff-8b86-d011-b42d-00cf4fc964ff", "lines": [{ "sku": "a", "quantity": "many" }], "labels": {} } }""", "parameter 'order.lines[0].quantity' expects integer (32-bit), got \"many\"")]
    [InlineData("""{ "order": { "id": "6f9619ff-8b86-d011-b42d-00cf4fc964ff", "lines": [{ "quantity": 1 }], "labels": {} } }""", "missing required parameter 'order.lines[0].sku' (string)")]
    [InlineData("""{ "order": { "id": "6f9619ff-8b86-d011-b42d-00cf4fc964ff", "lines": [], "labels": {}, "colour": 1 } }""", "unknown property 'order.colour'; Order has: id, lines, labels, mode, due")]
    [InlineData("""{ "order": { "id": "6f9619ff-8b86-d011-b42d-00cf4fc964ff", "lines": [], "labels": { "a": 1 } } }""", "parameter 'order.labels.a' expects string, got 1")]
    [InlineData("""{ "order": { "id": "6f9619ff-8b86-d011-b42d-00cf4fc964ff", "lines": [], "labels": {} }, "mode": "turbo" }""", "parameter 'mode' expects one of Fast, Careful, got \"turbo\"")]
    [InlineData("""{ "order": [] }""", "parameter 'order' expects Order object, got []")]
    [InlineData("""{ }""", "missing required parameter 'order' (Order object)")]
    public async Task Bad_values_name_the_path_and_the_expected_type(string json, string message)
    {
        var e = await Assert.ThrowsAsync<FlowParameterException>(() => Call(Descriptor(0), json));

        Assert.Equal("flow 'registry-describe': " + message, e.Message);
    }

    [Fact]
    public async Task Async_flows_get_the_cancellation_token_and_return_their_result()
    {
        Assert.Equal(6, await Call(Descriptor(1), """{ "values": [1, 2, 3] }"""));
        Assert.Equal(["values"], Descriptor(1).Parameters.Select(p => p.Name));
    }

    [Fact]
    public void The_module_initializer_registers_the_flows()
    {
        _ = Descriptor(0);

        Assert.Same(Descriptor(1), FlowCatalog.Find("registry-async"));
    }
}
