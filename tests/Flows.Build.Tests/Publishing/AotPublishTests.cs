using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Flows.Deploy.Publishing;

namespace Flows.Build.Tests.Publishing;

/// <summary>
/// <c>dotnet publish -p:DeployFlows=true -p:PublishAot=true</c>: the same deploy, with a Native AOT image on the
/// runtime-deps base (the command line's PublishAot reaches the referenced projects, the generator included, and the
/// runtime libraries are AOT-safe, so it builds without warnings).
/// </summary>
[Collection(PublishCollection.Name)]
public sealed class AotPublishTests(PublishFixture fixture, ITestOutputHelper output)
{
    private const string RuntimeDeps = "localhost:5000/dotnet/runtime-deps:10.0";

    [Fact]
    public async Task PublishAot_builds_a_native_image_on_runtime_deps_holding_only_the_app_and_registers_it()
    {
        var project = new SampleProject(fixture, "aot");
        var repository = $"hello-aot-{Guid.NewGuid():N}"[..18];
        var run = await project.PublishAsync($"{PublishFixture.PlainRegistry}/{repository}", null, "PublishAot=true", $"ContainerBaseImage={RuntimeDeps}");
        output.WriteLine(run.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());

        var image = project.ImageJson["image"]!.GetValue<string>();
        var tag = project.ImageJson["tags"]![0]!.GetValue<string>();
        Assert.Equal(image, (await fixture.Client.Deployments.ReadDeploymentByNameAsync("hello", "default")).JobVariables["image"].GetString());

        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:5000/") };
        using var manifest = await ManifestAsync(http, repository, tag);
        using var baseManifest = await ManifestAsync(http, "dotnet/runtime-deps", "10.0");
        var layers = manifest.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!).ToList();
        // runtime-deps underneath, no .NET runtime layer: one layer of the app on top.
        Assert.Equal(baseManifest.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!), layers[..^1]);
        var files = await LayerFilesAsync(http, repository, layers[^1]);
        output.WriteLine("app layer: " + string.Join(", ", files));
        Assert.Single(files, f => Path.GetFileName(f) == "hello");
        Assert.DoesNotContain(files, f => Path.GetExtension(f) is ".dll" or ".pdb" or ".dbg" or ".xml" or ".json");

        using var config = JsonDocument.Parse(await http.GetStringAsync($"v2/{repository}/blobs/{manifest.RootElement.GetProperty("config").GetProperty("digest").GetString()}"));
        var entrypoint = config.RootElement.GetProperty("config").GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Single(entrypoint);
        Assert.EndsWith("/hello", entrypoint[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, false)] // dotnet publish on this linux-x64 machine compiles for linux-x64
    [InlineData("linux-x64", false)]
    [InlineData("linux-arm64", true)]
    [InlineData("osx-arm64", true)]
    public async Task An_AOT_deploy_compiled_for_another_runtime_than_the_images_linux_x64_stops_with_FLOWS3534(string? runtime, bool refused)
    {
        // The packed targets' check, run by MSBuild as `dotnet publish` evaluates the project (_IsPublishing), without
        // compiling: the native compile for another runtime is what the check exists to prevent.
        var project = new SampleProject(fixture, $"aot-rid-{runtime ?? "default"}", git: false);
        var (restored, restoreOutput) = await Dotnet.RunAsync(project.Directory, null, "restore", "hello.csproj", "-v:q", "--nologo");
        Assert.True(restored == 0, restoreOutput);
        string[] args = ["msbuild", "hello.csproj", "-t:_FlowsCheckAotRuntimeIdentifier", "-p:DeployFlows=true", "-p:PublishAot=true", "-p:_IsPublishing=true", "-nologo", "-v:m",
            .. runtime is null ? Array.Empty<string>() : [$"-p:RuntimeIdentifier={runtime}"]];

        var (code, text) = await Dotnet.RunAsync(project.Directory, null, args);

        output.WriteLine(text);
        Assert.Equal(refused, code != 0);
        Assert.Equal(refused, text.Contains($"error {PublishDiagnosticCodes.AotNotLinuxX64}: DeployFlows=true with PublishAot=true builds a linux-x64 image", StringComparison.Ordinal));
        if (refused)
        {
            Assert.Contains($"compiles it for '{runtime}'", text, StringComparison.Ordinal);
        }
    }

    private static async Task<JsonDocument> ManifestAsync(HttpClient http, string repository, string reference)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/manifests/{reference}");
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private static async Task<List<string>> LayerFilesAsync(HttpClient http, string repository, string digest)
    {
        await using var blob = await http.GetStreamAsync($"v2/{repository}/blobs/{digest}");
        await using var gzip = new GZipStream(blob, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        var files = new List<string>();
        while (await tar.GetNextEntryAsync() is { } entry)
        {
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
            {
                files.Add(entry.Name);
            }
        }

        return files;
    }
}
