using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Flows.Build.Tests.Publishing;

/// <summary>A copy of samples/hello as a user would have it: its own folder and git repository, the Flows.Build package
/// from the test feed, prefect.yaml beside it. Published with the real SDK.</summary>
public sealed class SampleProject
{
    private readonly PublishFixture? _fixture;

    public SampleProject(PublishFixture fixture, string name, bool git = true, string? prefectYaml = null)
        : this(fixture.Root, fixture.Feed, fixture.PackageVersion, name, git, prefectYaml)
    {
        _fixture = fixture;
    }

    /// <summary>A project for builds only (no server): <paramref name="feed"/> and <paramref name="packageVersion"/> from <see cref="TestPackage"/>.</summary>
    public SampleProject(string root, string feed, string packageVersion, string name, bool git = true, string? prefectYaml = null)
    {
        Directory = Path.Combine(root, name);
        System.IO.Directory.CreateDirectory(Directory);
        var repo = TestPaths.RepoRoot;
        var sample = Path.Combine(repo, "samples", "hello");
        File.Copy(Path.Combine(sample, "HelloFlows.cs"), Path.Combine(Directory, "HelloFlows.cs"));
        File.Copy(Path.Combine(sample, "Program.cs"), Path.Combine(Directory, "Program.cs"));
        File.WriteAllText(Path.Combine(Directory, "prefect.yaml"), prefectYaml ?? File.ReadAllText(Path.Combine(sample, "prefect.yaml")));
        File.WriteAllText(Path.Combine(Directory, "hello.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Import Project="{repo}/src/Flows/build/Flows.props" />
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <RootNamespace>Hello</RootNamespace>
                <AssemblyName>hello</AssemblyName>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{repo}/src/Flows/Flows.csproj" />
                <ProjectReference Include="{repo}/src/Flows.Generators/Flows.Generators.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                <PackageReference Include="Flows.Build" Version="{packageVersion}" PrivateAssets="all" />
              </ItemGroup>
              <Import Project="{repo}/src/Flows/build/Flows.targets" />
            </Project>
            """);
        File.WriteAllText(Path.Combine(Directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="flows-test" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="flows-test"><package pattern="Flows.*" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(Directory, ".gitignore"), "bin/\nobj/\n");
        if (git)
        {
            Dotnet.GitAsync(Directory, "init", "-q", ".").GetAwaiter().GetResult();
            Commit("initial");
        }
    }

    public string Directory { get; }

    public string FlowsDirectory => Path.Combine(Directory, "obj", "Release", "flows");

    public string Commit(string message)
    {
        Dotnet.GitAsync(Directory, "add", "-A").GetAwaiter().GetResult();
        Dotnet.GitAsync(Directory, "commit", "-q", "-m", message).GetAwaiter().GetResult();
        return Dotnet.GitAsync(Directory, "rev-parse", "HEAD").GetAwaiter().GetResult();
    }

    public JsonObject ImageJson => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(FlowsDirectory, "image.json")))!;

    public JsonObject DeploymentsJson => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(FlowsDirectory, "deployments.json")))!;

    /// <summary><c>dotnet publish -c Release -p:DeployFlows=true</c> with the server and image name in the environment.</summary>
    public async Task<PublishRun> PublishAsync(string imageName, IDictionary<string, string?>? environment = null, params string[] properties)
    {
        var env = new Dictionary<string, string?>
        {
            ["PREFECT_API_URL"] = (_fixture ?? throw new InvalidOperationException("publishing needs the PublishFixture's server")).Server.ApiUrl.ToString(),
            ["PREFECT_IMAGE_NAME"] = imageName,
        };
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>())
        {
            env[k] = v;
        }

        var args = new List<string> { "publish", Path.Combine(Directory, "hello.csproj"), "-c", "Release", "-p:DeployFlows=true", $"-p:ContainerBaseImage={PublishFixture.BaseImage}", "-v:m", "-p:UseSharedCompilation=false" };
        args.AddRange(properties.Select(p => "-p:" + p));
        var watch = Stopwatch.StartNew();
        var (code, output) = await Dotnet.RunAsync(Directory, env, [.. args]);
        return new PublishRun(code, output, watch.Elapsed);
    }
}

public sealed record PublishRun(int ExitCode, string Output, TimeSpan Elapsed)
{
    public override string ToString() => $"exit {ExitCode} in {Elapsed.TotalSeconds:0.0} s\n{Output}";
}
