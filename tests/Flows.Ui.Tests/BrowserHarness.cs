using System.Diagnostics;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;
using System.Text.Json;

namespace Flows.Ui.Tests;

/// <summary>
/// What the browser tests share: finding chromium and playwright-core (a missing one fails with the fix), running
/// a node script that drives the browser, and the real samples/hello app with its flow's parameter schema.
/// </summary>
internal static class BrowserHarness
{
    /// <summary>The folder of the node scripts and their playwright-core.</summary>
    public static string BrowserDirectory => Path.Combine(RepositoryRoot(), "tests", "Flows.Ui.Tests", "browser");

    /// <summary>Debian's chromium (or FLOWS_CHROMIUM); fails saying what to install when it or playwright-core is missing.</summary>
    public static string Chromium()
    {
        var chromium = Environment.GetEnvironmentVariable("FLOWS_CHROMIUM") is { Length: > 0 } c ? c : "/usr/bin/chromium";
        Assert.True(File.Exists(chromium), $"{chromium} not found: run `bash .ci/browser.sh` (installs Debian's chromium).");
        Assert.True(Directory.Exists(Path.Combine(BrowserDirectory, "node_modules", "playwright-core")),
            $"playwright-core is not installed in {BrowserDirectory}: run `bash .ci/browser.sh`.");
        return chromium;
    }

    /// <summary>An empty screenshots folder under the test output (artifacts/screenshots/<paramref name="name"/>).</summary>
    public static string ScreenshotsFolder(string name)
    {
        var screenshots = Path.Combine(AppContext.BaseDirectory, "artifacts", name);
        if (Directory.Exists(screenshots))
        {
            Directory.Delete(screenshots, recursive: true);
        }

        Directory.CreateDirectory(screenshots);
        return screenshots;
    }

    /// <summary>Runs <paramref name="script"/> with node in <see cref="BrowserDirectory"/>; stdout then stderr.</summary>
    public static async Task<(int ExitCode, string Output)> RunNodeAsync(string script, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("node", [script])
        {
            WorkingDirectory = BrowserDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("node is not on PATH: run `bash .ci/browser.sh` (installs nodejs if missing).", ex);
        }

        using (process)
        {
            var output = new StringBuilder();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            // A bound on a hung browser, not a performance assertion.
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(6));
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            output.Append(await stdout).Append(await stderr);
            return (process.ExitCode, output.ToString());
        }
    }

    public static Dictionary<string, JsonElement> Json(string json) => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Deploy.Build.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root not found");
    }

    /// <summary>samples/hello's app, built by this test project's build (same configuration).</summary>
    public static string HelloApp()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var app = Path.Combine(RepositoryRoot(), "samples", "hello", "bin", configuration, "net10.0", "hello.dll");
        return File.Exists(app) ? app : throw new FileNotFoundException("samples/hello was not built with this test project", app);
    }

    /// <summary>
    /// The flow's parameter schema as the generator embedded it ([assembly: FlowManifest("json")]), read from
    /// metadata only, as deploy does: the deployment carries what a real deploy would register.
    /// </summary>
    public static JsonElement ParameterSchema(string assemblyPath, string flowName)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        foreach (var handle in md.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = md.GetCustomAttribute(handle);
            if (attribute.Constructor.Kind != HandleKind.MemberReference)
            {
                continue;
            }

            var parent = md.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent;
            if (parent.Kind != HandleKind.TypeReference || md.GetString(md.GetTypeReference((TypeReferenceHandle)parent).Name) != "FlowManifestAttribute")
            {
                continue;
            }

            var blob = md.GetBlobReader(attribute.Value);
            blob.ReadUInt16();
            using var manifest = JsonDocument.Parse(blob.ReadSerializedString()!);
            return manifest.RootElement.GetProperty("flows").EnumerateArray().Single(f => f.GetProperty("name").GetString() == flowName)
                .GetProperty("parameter_openapi_schema").Clone();
        }

        throw new InvalidOperationException($"{assemblyPath} has no flow manifest");
    }
}
