using System.Diagnostics;
using System.Text;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Server;

namespace Flows.Build.Tests.Publishing;

/// <summary>
/// Once per run: packs Flows.Build (<see cref="TestPackage"/>), checks the registries .ci/registry.sh starts, and runs
/// a real server with a 'kubernetes' work pool. A missing registry fails every test here with the command that starts it.
/// </summary>
public sealed class PublishFixture : IAsyncLifetime
{
    public const string PlainRegistry = "localhost:5000";
    public const string AuthRegistry = "localhost:5001";
    public const string BaseImage = "localhost:5000/dotnet/runtime:10.0";

    private readonly string _root = Directory.CreateTempSubdirectory("flows-build-tests-").FullName;

    public string Feed { get; private set; } = "";

    public string PackageVersion { get; private set; } = "";

    public FlowsServerHost Server { get; private set; } = null!;

    public PrefectClient Client { get; private set; } = null!;

    public string AwsPassword { get; private set; } = "";

    public string Root => _root;

    public async Task InitializeAsync()
    {
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) })
        {
            foreach (var (registry, expected) in new[] { (PlainRegistry, 200), (AuthRegistry, 401) })
            {
                int status;
                try
                {
                    status = (int)(await http.GetAsync($"http://{registry}/v2/")).StatusCode;
                }
                catch (HttpRequestException)
                {
                    status = 0;
                }

                if (status != expected)
                {
                    throw new InvalidOperationException($"registry {registry} is not running (answered {status}, expected {expected}). Start the registries and base images with: bash .ci/registry.sh");
                }
            }
        }

        var ciDir = Environment.GetEnvironmentVariable("FLOWS_CI_DIR") is { Length: > 0 } d ? d : "/var/tmp/flows-ci";
        AwsPassword = (await File.ReadAllTextAsync(Path.Combine(ciDir, "registry", "aws-password"))).Trim();

        (Feed, PackageVersion) = await TestPackage.EnsureAsync();

        var home = Path.Combine(_root, "server");
        Directory.CreateDirectory(home);
        Server = await FlowsServer.StartAsync(new FlowsServerOptions { Host = "127.0.0.1", Port = 0, DatabaseUrl = $"sqlite:///{home}/flows.db", FlowsHome = home });
        Client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(Server.ApiUrl.ToString()) });
        await Client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = "kubernetes", Type = "kubernetes" });
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // a build server may still hold a file; the temp folder is cleaned by the OS
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PublishCollection : ICollectionFixture<PublishFixture>
{
    // One collection: publishes share src/Flows' build output and two cores; they must not run at once.
    public const string Name = "publish";
}

internal static class Dotnet
{
    /// <summary>Runs dotnet with the test host's MSBuild variables removed (they would point the child at the test
    /// runner's MSBuild), and returns exit code and combined output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, IDictionary<string, string?>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            psi.Environment.Remove(key);
        }

        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>())
        {
            if (v is null)
            {
                psi.Environment.Remove(k);
            }
            else
            {
                psi.Environment[k] = v;
            }
        }

        using var process = Process.Start(psi)!;
        var output = new StringBuilder();
        var stdout = Task.Run(async () => { while (await process.StandardOutput.ReadLineAsync() is { } l) { lock (output) { output.AppendLine(l); } } });
        var stderr = Task.Run(async () => { while (await process.StandardError.ReadLineAsync() is { } l) { lock (output) { output.AppendLine(l); } } });
        await process.WaitForExitAsync();
        await Task.WhenAll(stdout, stderr);
        return (process.ExitCode, output.ToString());
    }

    public static async Task<string> GitAsync(string directory, params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-c", "user.email=tests@flows.invalid", "-c", "user.name=tests", "-c", "commit.gpgsign=false" }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? output.Trim() : throw new InvalidOperationException($"git {string.Join(' ', args)}: {error}");
    }
}
