using System.Text.Json;
using Json.Schema;

namespace Flows.Cli.Tests;

/// <summary>Runs the real command line in process (as dotnet/aspire's CliTestHelper) and captures what it prints.</summary>
internal static class CliTestHelper
{
    public const string ImageName = "registry.example/flows";

    public const string HelloManifest = """
        {"schema_version":1,"assembly":"hello","flows":[{"name":"hello","method":"Hello.HelloFlows.Hello","source_file":"HelloFlows.cs","line":7,
         "description":null,"is_async":false,"parameter_openapi_schema":{"title":"Parameters","type":"object",
         "properties":{"name":{"title":"name","position":0,"type":"string","default":"Marvin"}},"required":[],"definitions":{}}}]}
        """;

    private static readonly Uri DocumentUri = new("https://flows.test/prefect-openapi-subset.json");
    private static readonly Lazy<BuildOptions> OpenApi = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "prefect-openapi-subset.json")));
        var registry = new SchemaRegistry();
        registry.Register(DocumentUri, new JsonElementBaseDocument(doc.RootElement.Clone(), DocumentUri));
        return new BuildOptions { SchemaRegistry = registry, Dialect = Dialect.Draft202012 };
    });

    static CliTestHelper()
    {
        // The tool reads the process environment; these tests need the seed's image variable and no server.
        Environment.SetEnvironmentVariable("PREFECT_IMAGE_NAME", ImageName);
        Environment.SetEnvironmentVariable("PREFECT_API_URL", null);
        Environment.SetEnvironmentVariable("PREFECT_API_KEY", null);
    }

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Sample(string name) => Path.Combine(RepoRoot, "samples", name);

    public static string Manifest { get; } = WriteTemp("manifest.json", HelloManifest);

    public static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.InvokeAsync(args, new CliConsole(output, error));
        return (exit, output.ToString(), error.ToString());
    }

    public static string WriteTemp(string fileName, string text)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"flows-cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, fileName);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A flow project outside the repository (nothing built yet) with one deployment of its flow.</summary>
    public static string FlowProject(string flowSource)
    {
        var root = RepoRoot;
        var dir = Path.GetDirectoryName(WriteTemp("app.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Import Project="{root}/src/Flows/build/Flows.props" />
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{root}/src/Flows/Flows.csproj" />
                <ProjectReference Include="{root}/src/Flows.Generators/Flows.Generators.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                <FlowDeployment Include="d" Entrypoint="F.cs:greet" WorkPool="p" />
              </ItemGroup>
            </Project>
            """))!;
        File.WriteAllText(Path.Combine(dir, "F.cs"), flowSource);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), "return await Flows.FlowsApp.RunAsync(args);");
        return dir;
    }

    public static void AssertMatchesOpenApi(string component, string json)
    {
        var schema = JsonSchema.FromText($$"""{"$ref": "{{DocumentUri}}#/components/schemas/{{component}}"}""", OpenApi.Value, new Uri($"https://flows.test/check/{Guid.NewGuid()}"));
        using var instance = JsonDocument.Parse(json);
        var result = schema.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        Assert.True(result.IsValid, $"{component} mismatch: " + string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .Select(d => $"{d.InstanceLocation}: {string.Join(", ", d.Errors!.Values)}")) + "\n" + json);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Deploy.Build.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Deploy.Build.sln not found above the test output");
    }
}
