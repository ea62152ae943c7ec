using Microsoft.CodeAnalysis;

namespace Flows.Generators.Tests;

/// <summary>Compile-time errors for flows that cannot be run by name, each with a FLOWS code and a fix.</summary>
public sealed class DiagnosticTests
{
    private static Diagnostic Single(string members, string id, string preamble = "")
    {
        var result = GeneratorHarness.Run($$"""
            using System;
            using System.Collections.Generic;
            using System.IO;
            using System.Threading.Tasks;
            using Flows;

            namespace App;
            {{preamble}}
            public static class F
            {
            {{members}}
            }
            """);
        var diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        return diagnostic;
    }

    [Fact]
    public void A_stream_parameter_is_FLOWS0001_at_the_parameter_with_a_fix()
    {
        var d = Single("    [Flow] public static void Upload(Stream data) { }", "FLOWS0001");

        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.StartsWith("Flow 'upload': parameter 'data' has type 'System.IO.Stream', which cannot be passed as a JSON parameter.", d.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("Fix: ", d.GetMessage(), StringComparison.Ordinal);
        Assert.Equal(new(10, 44), d.Location.GetLineSpan().StartLinePosition); // "data"
        Assert.Equal("/src/app/Flows/MyFlows.cs", d.Location.GetLineSpan().Path);
    }

    [Theory]
    [InlineData("Dictionary<int, string> byId", "dictionary keys must be strings")]
    [InlineData("object anything", "")]
    [InlineData("int[,] grid", "multi-dimensional arrays")]
    [InlineData("Holder holder", "member 'Stream' of Holder has type 'System.IO.Stream'")]
    [InlineData("Func<int> callback", "")]
    public void Unsupported_types_say_why(string parameter, string reason)
    {
        var d = Single($"    [Flow] public static void Take({parameter}) {{ }}", "FLOWS0001", "public sealed record Holder(Stream Stream);");

        Assert.Contains(reason, d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_private_flow_is_FLOWS0002()
    {
        var d = Single("    [Flow] private static void Hidden() { }", "FLOWS0002");

        Assert.Contains("App.F.Hidden is not public or internal", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_flows_with_one_name_are_FLOWS0003()
    {
        var d = Single("    [Flow(\"etl\")] public static void A() { }\n    [Flow(\"etl\")] public static void B() { }", "FLOWS0003");

        Assert.Contains("Two flows are named 'etl': App.F.A and App.F.B", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_generic_flow_is_FLOWS0004()
    {
        Single("    [Flow] public static void Each<T>(int n) { }", "FLOWS0004");
    }

    [Fact]
    public void An_instance_flow_without_a_parameterless_constructor_is_FLOWS0005()
    {
        var result = GeneratorHarness.Run("""
            using Flows;
            namespace App;
            public sealed class Jobs(string connection)
            {
                [Flow] public string Run() => connection;
            }
            """);

        Assert.Equal("FLOWS0005", Assert.Single(result.GeneratorDiagnostics).Id);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("50%")]
    [InlineData(" ")]
    public void Invalid_names_are_FLOWS0006(string name)
    {
        Single($"    [Flow(\"{name}\")] public static void A() {{ }}", "FLOWS0006");
    }

    [Theory]
    [InlineData("ref int n", "ref")]
    [InlineData("out int n", "out")]
    [InlineData("params int[] n", "params")]
    public void Ref_out_and_params_are_FLOWS0007(string parameter, string kind)
    {
        var body = parameter.StartsWith("out", StringComparison.Ordinal) ? "n = 0;" : string.Empty;
        var d = Single($"    [Flow] public static void A({parameter}) {{ {body} }}", "FLOWS0007");

        Assert.Contains($"declared '{kind}'", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_init_only_class_property_is_a_FLOWS0008_warning_and_the_rest_still_generates()
    {
        var result = GeneratorHarness.Run("""
            using Flows;
            namespace App;
            public sealed class Settings { public int Size { get; set; } public string Mode { get; init; } = "x"; }
            public static class F { [Flow] public static int A(Settings settings) => settings.Size; }
            """);

        var d = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("FLOWS0008", d.Id);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Contains("Mode", d.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("\"size\"", result.Flow("a").ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("\"mode\"", result.Flow("a").ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_async_void_flow_is_FLOWS0009()
    {
        Single("    [Flow] public static async void A() { await Task.Yield(); }", "FLOWS0009");
    }

    [Fact]
    public void A_flow_with_errors_is_left_out_but_the_others_generate()
    {
        var result = GeneratorHarness.Run("""
            using System.IO;
            using Flows;
            namespace App;
            public static class F
            {
                [Flow] public static void Good(int n) { }
                [Flow] public static void Bad(Stream s) { }
                public static void Caller() { Good(1); Bad(Stream.Null); }
            }
            """);

        Assert.Single(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationProblems);
        Assert.Single(result.Manifest()["flows"]!.AsArray());
    }
}
