using System.Diagnostics;
using Docker.DotNet;

namespace Flows.Testing;

/// <summary>
/// samples/hello (a <see cref="SampleCopy"/>) published as a lean app, once per test run (a Native AOT compile takes
/// minutes on a small machine, so every test that needs it shares one): Native AOT (<c>-p:PublishAot=true</c>) and
/// trimmed self-contained (<c>-p:PublishTrimmed=true</c>), both linux-x64, and an image of the AOT app on the runtime-deps base (no .NET
/// runtime in it: the app is native code), pushed to localhost:5000. Linked from tests/Shared.
/// </summary>
internal static class LeanHello
{
    /// <summary>The base an AOT image needs: libc, libssl, ICU, certificates, time zones; no .NET runtime.</summary>
    public const string RuntimeDepsImage = "localhost:5000/dotnet/runtime-deps:10.0";

    private static readonly Lazy<Task<string>> Aot = new(() => PublishAsync("aot", "-p:PublishAot=true"));
    private static readonly Lazy<Task<string>> Trimmed = new(() => PublishAsync("trimmed", "--self-contained", "-p:PublishTrimmed=true"));
    private static readonly SemaphoreSlim ImageLock = new(1, 1);
    private static string? s_image;

    /// <summary>The native executable of the AOT publish.</summary>
    public static async Task<string> AotAppAsync() => Path.Combine(await Aot.Value, "hello");

    /// <summary>The apphost of the trimmed self-contained publish.</summary>
    public static async Task<string> TrimmedAppAsync() => Path.Combine(await Trimmed.Value, "hello");

    /// <summary>
    /// The AOT app on <see cref="RuntimeDepsImage"/> with <c>/app/hello</c> as its entrypoint (what
    /// <c>dotnet publish -p:DeployFlows=true -p:PublishAot=true</c> builds), pushed to localhost:5000 and removed
    /// locally so the first run pulls it. Built once per test run.
    /// </summary>
    public static async Task<string> AotImageAsync(IDockerClient docker, string scratchDirectory)
    {
        await ImageLock.WaitAsync();
        try
        {
            if (s_image is null)
            {
                var app = await AotAppAsync();
                s_image = await AppImage.PushAsync(docker, app, "hello-aot", scratchDirectory, RuntimeDepsImage, ["/app/hello"], onlyFile: true);
            }

            return s_image;
        }
        finally
        {
            ImageLock.Release();
        }
    }

    private static async Task<string> PublishAsync(string kind, params string[] properties)
    {
        var root = RepositoryRoot();
        var output = Path.Combine(root, "artifacts", "test-publish", "hello-" + kind);
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        var project = SampleCopy.Create(root, "hello", "lean-hello-" + kind);

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        foreach (var arg in new[] { "publish", Path.Combine(project, "hello.csproj"), "-c", "Release", "-r", "linux-x64", "--nologo", "-v:q", "-o", output }.Concat(properties))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(20));
        await process.WaitForExitAsync(limit.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish samples/hello ({kind}) failed with {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }

        return output;
    }

    private static string RepositoryRoot()
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
}
