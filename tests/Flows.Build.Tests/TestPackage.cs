using Flows.Build.Tests.Publishing;

namespace Flows.Build.Tests;

/// <summary>Flows.Build packed once per test run into a private feed under a unique version (so NuGet's global cache never
/// serves a stale build of the tasks), shared by the publish and the validation fixtures.</summary>
internal static class TestPackage
{
    private static readonly Lazy<Task<(string Feed, string Version)>> Packed = new(PackAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    public static Task<(string Feed, string Version)> EnsureAsync() => Packed.Value;

    private static async Task<(string Feed, string Version)> PackAsync()
    {
        var feed = Directory.CreateTempSubdirectory("flows-build-feed-").FullName;
        var version = $"0.1.0-t{DateTime.UtcNow:yyyyMMddHHmmss}{Random.Shared.Next(1000):000}";
        var (code, output) = await Dotnet.RunAsync(TestPaths.RepoRoot, null,
            "pack", Path.Combine(TestPaths.RepoRoot, "src", "Flows.Build", "Flows.Build.csproj"), "-c", "Release", "-o", feed, $"-p:PackageVersion={version}", "-nologo", "-v:q");
        return code == 0 ? (feed, version) : throw new InvalidOperationException("dotnet pack src/Flows.Build failed:\n" + output);
    }
}
