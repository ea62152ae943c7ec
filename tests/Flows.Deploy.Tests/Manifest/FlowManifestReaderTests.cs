using Flows.Deploy.Diagnostics;
using Flows.Deploy.Manifest;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Flows.Deploy.Tests.Manifest;

public class FlowManifestReaderTests
{
    private const string Json = """
        {"schema_version":1,"assembly":"hello","flows":[{"name":"hello","method":"Hello.HelloFlows.Hello","source_file":"HelloFlows.cs","line":12,
         "description":null,"is_async":false,"parameter_openapi_schema":{"title":"Parameters","type":"object","properties":{"name":{"title":"name","position":0,"type":"string","default":"Marvin"}}}}]}
        """;

    [Fact]
    public void ParsesTheDesignShape()
    {
        var manifest = FlowManifestReader.Parse(Json);
        var flow = Assert.Single(manifest.Flows);
        Assert.Equal("hello", flow.Name);
        Assert.Equal("HelloFlows.cs", flow.SourceFile);
        Assert.Equal("Marvin", flow.ParameterOpenApiSchema!["properties"]!["name"]!["default"]!.GetValue<string>());
    }

    [Fact]
    public void ReadsTheAttributeFromMetadataWithoutLoadingTheAssembly()
    {
        var path = Compile($$"""
            [assembly: Flows.FlowManifest({{SymbolDisplay.FormatLiteral(Json, quote: true)}})]
            namespace Flows { [System.AttributeUsage(System.AttributeTargets.Assembly)] public sealed class FlowManifestAttribute(string json) : System.Attribute { public string Json { get; } = json; } }
            """);
        var manifest = FlowManifestReader.ReadFromAssembly(path);
        Assert.Equal("hello", manifest.Assembly);
        Assert.Equal("Hello.HelloFlows.Hello", Assert.Single(manifest.Flows).Method);
    }

    [Fact]
    public void AnAssemblyWithoutTheAttributeIsACodedError()
    {
        var path = Compile("namespace X { public class Y { } }");
        var ex = Assert.Throws<DeployException>(() => FlowManifestReader.ReadFromAssembly(path));
        Assert.Equal(DiagnosticCodes.ManifestMissing, Assert.Single(ex.Diagnostics).Code);
    }

    [Fact]
    public void InvalidJsonIsACodedError()
    {
        var ex = Assert.Throws<DeployException>(() => FlowManifestReader.Parse("{not json"));
        Assert.Equal(DiagnosticCodes.ManifestInvalid, Assert.Single(ex.Diagnostics).Code);
    }

    private static string Compile(string source)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is "System.Runtime.dll" or "System.Private.CoreLib.dll")
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("manifest_" + Guid.NewGuid().ToString("N"), [CSharpSyntaxTree.ParseText(source)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var path = Path.Combine(Path.GetTempPath(), compilation.AssemblyName + ".dll");
        var result = compilation.Emit(path);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return path;
    }
}
