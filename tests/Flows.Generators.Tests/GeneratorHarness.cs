using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json.Nodes;
using Flows.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Flows.Generators.Tests;

/// <summary>Runs the real generator over source text, as the compiler does in a build, and compiles the result.</summary>
internal static class GeneratorHarness
{
    public const string ProjectDirectory = "/src/app";

    private static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default
        .WithLanguageVersion(LanguageVersion.Latest)
        .WithFeatures([new KeyValuePair<string, string>("InterceptorsNamespaces", "Flows.Generated")]);

    private static readonly ImmutableArray<MetadataReference> References =
    [
        .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).Select(p => MetadataReference.CreateFromFile(p)),
        MetadataReference.CreateFromFile(typeof(FlowAttribute).Assembly.Location),
    ];

    public static GeneratorResult Run(string source, string fileName = "Flows/MyFlows.cs", string assemblyName = "app")
    {
        var tree = CSharpSyntaxTree.ParseText(source, ParseOptions, path: ProjectDirectory + "/" + fileName);
        var compilation = CSharpCompilation.Create(
            assemblyName,
            [tree],
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var driver = CSharpGeneratorDriver.Create(
            [new FlowGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            optionsProvider: new ProjectOptions());
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        return new GeneratorResult((CSharpCompilation)output, generatorDiagnostics);
    }

    private sealed class ProjectOptions : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options();

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => GlobalOptions;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => GlobalOptions;

        private sealed class Options : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value)
            {
                value = key == "build_property.MSBuildProjectDirectory" ? ProjectDirectory : null;
                return value is not null;
            }
        }
    }
}

/// <summary>What a generator run produced: the compilation with generated code, and the generator's diagnostics.</summary>
internal sealed class GeneratorResult(CSharpCompilation compilation, ImmutableArray<Diagnostic> generatorDiagnostics)
{
    public CSharpCompilation Compilation { get; } = compilation;

    public ImmutableArray<Diagnostic> GeneratorDiagnostics { get; } = generatorDiagnostics;

    public string GeneratedSource => Compilation.SyntaxTrees.Single(t => t.FilePath.EndsWith("Flows.g.cs", StringComparison.Ordinal)).ToString();

    /// <summary>Compiler errors and warnings in the user code plus generated code.</summary>
    public IReadOnlyList<Diagnostic> CompilationProblems =>
        Compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();

    /// <summary>The manifest the generated assembly attribute carries.</summary>
    public JsonObject Manifest()
    {
        var attribute = Compilation.Assembly.GetAttributes().Single(a => a.AttributeClass?.Name == "FlowManifestAttribute");
        return JsonNode.Parse((string)attribute.ConstructorArguments[0].Value!)!.AsObject();
    }

    public JsonObject Flow(string name) =>
        Manifest()["flows"]!.AsArray().Single(f => (string?)f!["name"] == name)!.AsObject();

    /// <summary>Emits and loads the assembly in its own load context (Flows itself is shared with the test).</summary>
    public Assembly Load()
    {
        using var stream = new MemoryStream();
        var emit = Compilation.Emit(stream);
        Assert.True(emit.Success, string.Join(Environment.NewLine, emit.Diagnostics));
        stream.Position = 0;
        return new AssemblyLoadContext(Compilation.AssemblyName, isCollectible: true).LoadFromStream(stream);
    }
}
