using System.Text.Json.Nodes;

namespace Flows.Generators.Tests;

/// <summary>Each flow's parameter_openapi_schema, against hand-written expected JSON in Expected/.</summary>
public sealed class SchemaTests
{
    private static readonly Lazy<GeneratorResult> Result = new(() => GeneratorHarness.Run(TypeFlowsSource.Text));

    [Theory]
    [InlineData("scalars")]
    [InlineData("times")]
    [InlineData("defaults")]
    [InlineData("collections")]
    [InlineData("objects")]
    [InlineData("nullables")]
    [InlineData("documented")]
    [InlineData("etl")]
    public void Schema_matches_the_expected_json(string flow)
    {
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Expected", flow + ".json")));
        var actual = Result.Value.Flow(flow)["parameter_openapi_schema"];

        Assert.True(JsonNode.DeepEquals(expected, actual), $"{flow}:\nexpected {expected!.ToJsonString()}\nactual   {actual!.ToJsonString()}");
    }

    [Fact]
    public void Generated_code_compiles_without_errors_or_warnings()
    {
        Assert.Empty(Result.Value.GeneratorDiagnostics);
        Assert.Empty(Result.Value.CompilationProblems);
    }

    [Fact]
    public void The_manifest_records_names_methods_paths_lines_docs_and_asyncness()
    {
        var manifest = Result.Value.Manifest();
        var documented = Result.Value.Flow("documented");
        var etl = Result.Value.Flow("etl");

        Assert.Equal(1, (int)manifest["schema_version"]!);
        Assert.Equal("app", (string?)manifest["assembly"]);
        Assert.Equal(8, manifest["flows"]!.AsArray().Count);
        Assert.Equal("App.TypeFlows.Documented", (string?)documented["method"]);
        Assert.Equal("Flows/MyFlows.cs", (string?)documented["source_file"]);
        Assert.Equal(49, (int)documented["line"]!); // the line of the method name
        Assert.Equal("Adds x up.", (string?)documented["description"]);
        Assert.False((bool)documented["is_async"]!);
        Assert.True((bool)etl["is_async"]!);
        Assert.Equal("App.TypeFlows.RunEtlAsync", (string?)etl["method"]);
    }
}
