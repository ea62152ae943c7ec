using System.Text.Json;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Server;
using Flows.Server.WorkPools;

namespace Flows.Workers.Tests;

/// <summary>A real embedded server (SQLite) and helpers to deploy commands and wait for runs.</summary>
public sealed class WorkerFixture : IAsyncLifetime
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "flows-worker-tests-" + Guid.NewGuid().ToString("N"));
    private FlowsServerHost _server = null!;

    public PrefectClient Client { get; private set; } = null!;

    public string Home => _home;

    /// <summary>The server's API URL (ends in <c>/api/</c>).</summary>
    public Uri ApiUrl => _server.ApiUrl;

    /// <summary>samples/hello's app, built by this test project's build.</summary>
    public static string HelloApp
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Deploy.Build.sln")))
                {
                    var app = Path.Combine(dir.FullName, "samples", "hello", "bin", configuration, "net10.0", "hello.dll");
                    return File.Exists(app) ? app : throw new FileNotFoundException("samples/hello was not built with this test project", app);
                }
            }

            throw new InvalidOperationException("repository root not found");
        }
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_home);
        // A short slot wait: runs refused a concurrency slot are due again within the tests' patience.
        _server = await FlowsServer.StartAsync(new FlowsServerOptions { Host = "127.0.0.1", Port = 0, DatabaseUrl = $"sqlite:///{_home}/flows.db", FlowsHome = _home, ConcurrencySlotWait = TimeSpan.FromSeconds(1) });
        Client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(_server.ApiUrl.ToString()) });
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await _server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_home, recursive: true);
    }

    public async Task<WorkPool> CreateProcessPoolAsync(string name)
    {
        await Client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = name, Type = "process", BaseJobTemplate = BaseJobTemplates.ForType("process") });
        return await Client.WorkPools.ReadWorkPoolAsync(name);
    }

    /// <summary>A deployment on <paramref name="pool"/> whose runs execute <paramref name="command"/>.</summary>
    public async Task<Guid> DeployAsync(string pool, string flowName, string deploymentName, string command, string? entrypoint = null, string? parametersJson = null, string? workingDir = null)
    {
        var flow = await Client.Flows.CreateFlowAsync(new FlowCreate { Name = flowName });
        var jobVariables = new Dictionary<string, JsonElement> { ["command"] = JsonSerializer.SerializeToElement(command) };
        if (workingDir is not null)
        {
            jobVariables["working_dir"] = JsonSerializer.SerializeToElement(workingDir);
        }

        var deployment = await Client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = deploymentName,
            FlowId = flow.Id,
            WorkPoolName = pool,
            Entrypoint = entrypoint,
            JobVariables = jobVariables,
            Parameters = parametersJson is null ? null : JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(parametersJson),
        });
        return deployment.Id;
    }

    public async Task<Guid> RunAsync(Guid deploymentId) =>
        (await Client.Deployments.CreateFlowRunFromDeploymentAsync(deploymentId)).Id;

    /// <summary>Waits until the run's state satisfies <paramref name="done"/> (bounded by a generous token, not asserted as a time).</summary>
    public async Task<FlowRun> WaitAsync(Guid runId, Func<FlowRun, bool> done)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (true)
        {
            var run = await Client.FlowRuns.ReadFlowRunAsync(runId, limit.Token);
            if (done(run))
            {
                return run;
            }

            await Task.Delay(100, limit.Token);
        }
    }

    public static bool IsFinal(FlowRun run) => run.StateType?.IsTerminal() == true;
}
