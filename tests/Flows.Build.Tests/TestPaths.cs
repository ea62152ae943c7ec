using System.Reflection;

namespace Flows.Build.Tests;

internal static class TestPaths
{
    public static string RepoRoot { get; } = Path.GetFullPath(typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "RepoRoot").Value!);
}
