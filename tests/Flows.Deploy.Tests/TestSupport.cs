using System.Diagnostics;
using System.Text.Json;
using Json.Schema;

namespace Flows.Deploy.Tests;

/// <summary>Paths, hand-written manifests and the OpenAPI subset check shared by the planner tests.</summary>
internal static class TestSupport
{
    public const string ImageName = "123456789012.dkr.ecr.us-east-1.amazonaws.com/flows";

    /// <summary>The hello flow as the generator describes it (docs/DESIGN.md), so tests do not depend on a build.</summary>
    public const string HelloManifest = """
        {"schema_version":1,"assembly":"hello","flows":[{"name":"hello","method":"Hello.HelloFlows.Hello","source_file":"HelloFlows.cs","line":7,
         "description":"Says hello.","is_async":false,"parameter_openapi_schema":{"title":"Parameters","type":"object",
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

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Sample(string name) => Path.Combine(RepoRoot, "samples", name);

    public static string? Env(string name) => name == "PREFECT_IMAGE_NAME" ? ImageName : null;

    /// <summary>Writes a manifest .json (what --manifest-assembly also accepts) and returns its path.</summary>
    public static string ManifestFile(string json = HelloManifest)
    {
        var path = Path.Combine(Path.GetTempPath(), $"flows-manifest-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    public static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), $"flows-deploy-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>What `git` itself says, to compare against our shell-free reader.</summary>
    public static string Git(params string[] args)
    {
        var psi = new ProcessStartInfo("git") { RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = RepoRoot };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return output;
    }

    /// <summary>Throws with the failures when <paramref name="json"/> is not a valid instance of the named component.</summary>
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
