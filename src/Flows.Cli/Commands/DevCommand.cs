using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Api.Client;
using Flows.Api.Json;
using Flows.Api.Models;
using Flows.Cli.Output;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Engine;
using Flows.Deploy.Planning;
using Flows.Deploy.Project;
using Flows.Deploy.Registration;
using Flows.Deploy.Selection;
using Flows.Deploy.Steps;
using Flows.Server;
using Flows.Server.WorkPools;
using Flows.Workers;
using Flows.Workers.Process;

namespace Flows.Cli.Commands;

/// <summary>
/// <c>flows-deploy dev PROJECT</c>: the whole loop on this machine, with nothing installed but the SDK. Starts the
/// embedded server (SQLite under FLOWS_HOME), publishes the app, deploys the project's deployments through the
/// same planner <c>deploy</c> uses (re-pointed at a local <c>process</c> pool: the image steps are planned but
/// not built), starts a process worker, runs the chosen deployments, streams their logs, and ends when they
/// are final. The container path is the same with a docker or kubernetes pool and <c>dotnet publish
/// -p:DeployFlows=true</c>.
/// </summary>
internal sealed class DevCommand : Command
{
    private static readonly Argument<string> ProjectArgument = new("project") { Description = "Project file or directory.", DefaultValueFactory = _ => "." };
    private static readonly Option<string[]> Run = new("--run") { Description = "Deployment to run, flow/deployment (repeatable; default: all deployed)." };
    private static readonly Option<string[]> Names = new("--name", "-n") { Description = "Deployments to deploy (default: all)." };
    private static readonly Option<string> Pool = new("--pool") { Description = "The local process work pool.", DefaultValueFactory = _ => "local-process" };
    private static readonly Option<int> Port = new("--port") { Description = "Port of the embedded server (0 picks a free one).", DefaultValueFactory = _ => 4200 };
    private static readonly Option<bool> Serve = new("--serve") { Description = "Keep the server (and worker) running after the runs end, until Ctrl+C." };
    private static readonly Option<string?> PrefectFile = new("--prefect-file") { Description = "Deployment file (default: prefect.yaml beside the project, else the csproj)." };
    private static readonly Option<bool> NoBuild = new("--no-build") { Description = "Publish the last Release build without building (as dotnet publish --no-build)." };

    private readonly CliConsole _console;

    public DevCommand(CliConsole console) : base("dev", "Run a project's deployments end to end on this machine: embedded server, process worker, logs.")
    {
        _console = console;
        Arguments.Add(ProjectArgument);
        foreach (var option in new Option[] { Run, Names, Pool, Port, Serve, PrefectFile, NoBuild })
        {
            Options.Add(option);
        }

        SetAction((parse, cancellationToken) => RunAsync(parse, cancellationToken));
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var project = ResolveProject(parse.GetValue(ProjectArgument)!);
        if (project is null)
        {
            return _console.Fail(CliDiagnosticCodes.CommandLineInvalid, $"no project at '{parse.GetValue(ProjectArgument)}'", "Pass a .csproj or a directory holding one.");
        }

        var serverOptions = FlowsServerOptions.FromEnvironment(_console.Environment) with { Port = parse.GetValue(Port) };
        var appDirectory = Path.Combine(serverOptions.ResolvedFlowsHome, "apps", Path.GetFileNameWithoutExtension(project), DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture));

        Step("Publishing " + Path.GetFileName(project));
        var published = await PublishAsync(project, appDirectory, parse.GetValue(NoBuild), cancellationToken).ConfigureAwait(false);
        if (published is null)
        {
            return ExitCodes.Failure;
        }

        Step("Planning deployments");
        var patterns = parse.GetValue(Names) ?? [];
        var environment = _console.Environment;
        var request = new DeployRequest
        {
            Project = project,
            PrefectFile = parse.GetValue(PrefectFile),
            ManifestAssembly = published,
            All = patterns.Length == 0,
            Patterns = patterns,
            DryRun = true,

            // The seed's image steps need an image name; nothing is built here, so any local name does.
            Environment = name => environment(name) ?? (name == "PREFECT_IMAGE_NAME" ? "local/" + Path.GetFileNameWithoutExtension(project) : null),
        };
        var pool = parse.GetValue(Pool)!;
        var engine = new DeployEngine(new ProgressLogger(_console.Error));
        DeploymentPlan local;
        try
        {
            var plan = await engine.PlanAsync(request, cancellationToken).ConfigureAwait(false);
            _console.Report(plan.Warnings.Where(w => w.Code != DiagnosticCodes.WorkPoolUnchecked));
            local = ForLocalProcess(plan, pool, published);
        }
        catch (DeployException ex)
        {
            return _console.Fail(ex);
        }

        Step("Starting the embedded server");
        FlowsServerHost server;
        try
        {
            server = await FlowsServer.StartAsync(serverOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            return _console.Fail(CliDiagnosticCodes.ServerError, $"cannot start the server on port {serverOptions.Port}: {e.Message}", "Stop what uses the port, or pass --port 0.", ExitCodes.Failure);
        }

        await using (server.ConfigureAwait(false))
        {
            var uiUrl = server.ApiUrl.ToString().TrimEnd('/')[..^4];
            _console.Out.WriteLine($"  API {server.ApiUrl}  UI {uiUrl}");
            using var client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(server.ApiUrl.ToString()) });

            Step($"Creating work pool '{pool}' (process)");
            await EnsureProcessPoolAsync(client, pool, cancellationToken).ConfigureAwait(false);

            Step($"Deploying {string.Join(", ", local.Deployments.Select(d => d.FullName))}");
            try
            {
                // The same pipeline as deploy: no image to build or push (the local pool runs the published app).
                var checkedDeploy = await engine.CheckAsync(request, local, [], new DeployOptions(), cancellationToken).ConfigureAwait(false);
                await engine.PublishAsync(checkedDeploy, new PrefectDeploymentRegistrar(client), cancellationToken).ConfigureAwait(false);
            }
            catch (DeployException e)
            {
                return _console.Fail(e);
            }

            Step($"Starting a process worker on '{pool}'");
            using var stopWorker = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            // The runs' own output reaches the console once, through the API logs the watcher prints.
            var worker = new FlowWorker(client, new WorkerOptions { WorkPool = pool, PollInterval = TimeSpan.FromMilliseconds(500) }, new ProcessInfrastructure(TextWriter.Null), _console.Out)
                .RunAsync(stopWorker.Token);

            var toRun = parse.GetValue(Run) is { Length: > 0 } chosen ? chosen : [.. local.Deployments.Select(d => d.FullName)];
            var runIds = new List<Guid>();
            foreach (var name in toRun)
            {
                if (DeploymentKey.TryParse(name) is not { } key)
                {
                    return _console.Fail(CliDiagnosticCodes.CommandLineInvalid, $"--run '{name}' is not flow/deployment", DeploymentKey.Fix);
                }

                var deployment = await client.Deployments.ReadDeploymentByNameAsync(key.Flow, key.Name, cancellationToken).ConfigureAwait(false);
                var run = await client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id, cancellationToken: cancellationToken).ConfigureAwait(false);
                _console.Out.WriteLine($"  Created flow run '{run.Name}' for {name}");
                runIds.Add(run.Id);
            }

            Step("Watching");
            var finished = await new FlowRunWatcher(client, _console.Out).WatchAsync(runIds, showLogs: true, cancellationToken).ConfigureAwait(false);
            _console.Out.WriteLine();
            foreach (var run in finished)
            {
                _console.Out.WriteLine($"  {run.Name,-24} {run.StateName,-10} {UiLinks.FlowRun(uiUrl, run.Id)}");
            }

            var allCompleted = finished.All(r => r.StateType == Api.Models.StateType.Completed);
            _console.Out.WriteLine(allCompleted
                ? $"All {finished.Count} flow runs Completed. They stay in {serverOptions.ResolvedFlowsHome}; see them with 'flows-deploy server start' and {uiUrl}."
                : "Some flow runs did not complete; their logs are above.");

            if (parse.GetValue(Serve))
            {
                _console.Out.WriteLine($"Serving {uiUrl} until Ctrl+C.");
                try
                {
                    await server.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C: stop below.
                }
            }

            await stopWorker.CancelAsync().ConfigureAwait(false);
            await worker.ConfigureAwait(false);
            return allCompleted ? ExitCodes.Ok : ExitCodes.Failure;
        }
    }

    private void Step(string what) => _console.Out.WriteLine($"==> {what}");

    /// <summary>The plan re-pointed at a local process pool running the published app: nothing to build, so no images.</summary>
    private static DeploymentPlan ForLocalProcess(DeploymentPlan plan, string pool, string appDll) =>
        plan with { Images = [], Deployments = [.. plan.Deployments.Select(d => ForLocalProcess(d, pool, appDll))] };

    /// <summary>The planned body, re-pointed at a local process pool running the published app.</summary>
    private static PlannedDeployment ForLocalProcess(PlannedDeployment deployment, string pool, string appDll)
    {
        var directory = Path.GetDirectoryName(appDll)!;
        var jobVariables = new Dictionary<string, JsonElement>(deployment.Body.JobVariables ?? new Dictionary<string, JsonElement>());
        jobVariables.Remove("image");
        jobVariables["command"] = JsonSerializer.SerializeToElement($"dotnet \"{appDll}\"");
        jobVariables["working_dir"] = JsonSerializer.SerializeToElement(directory);
        var pull = new JsonArray { new JsonObject { [StepNames.SetWorkingDirectory] = new JsonObject { ["directory"] = directory } } };
        return deployment with
        {
            Body = deployment.Body with
            {
                WorkPoolName = pool,
                WorkQueueName = null,
                JobVariables = jobVariables,
                PullSteps = JsonSerializer.SerializeToElement(pull),
            },
        };
    }

    private static async Task EnsureProcessPoolAsync(PrefectClient client, string pool, CancellationToken cancellationToken)
    {
        try
        {
            await client.WorkPools.ReadWorkPoolAsync(pool, cancellationToken).ConfigureAwait(false);
        }
        catch (PrefectApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            await client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = pool, Type = "process", BaseJobTemplate = BaseJobTemplates.ForType("process") }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs <c>dotnet publish</c> (which builds, unless <paramref name="noBuild"/>), its output on stderr; returns
    /// the app's .dll, or null after reporting why not.</summary>
    private async Task<string?> PublishAsync(string project, string output, bool noBuild, CancellationToken cancellationToken)
    {
        string[] arguments = ["publish", project, "-c", "Release", "-o", output, "--nologo", "-v:q", "-clp:NoSummary", "-p:DeployFlows=false", .. noBuild ? ["--no-build"] : Array.Empty<string>()];
        var result = await new DotnetProcess(new IndentedProgress(_console.Error)).RunAsync(arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            var errors = result.Errors();
            _console.Report([new DeployDiagnostic(CliDiagnosticCodes.PublishFailed, true,
                $"dotnet publish {ProjectLocator.Relative(project)} failed (exit code {result.ExitCode})" + (errors.Count > 0 ? ": " + string.Join(" | ", errors) : ""),
                "Fix the build errors above and run again", project)]);
            return null;
        }

        // The app is the .dll with a matching .runtimeconfig.json (the entry assembly).
        var app = Directory.GetFiles(output, "*.runtimeconfig.json").Select(f => f[..^".runtimeconfig.json".Length] + ".dll").FirstOrDefault(File.Exists);
        if (app is null)
        {
            _console.Report([new DeployDiagnostic(CliDiagnosticCodes.PublishFailed, true, $"{project} did not publish an app (no *.runtimeconfig.json in {output})", "Make the project an Exe whose Program.cs returns await FlowsApp.RunAsync(args)")]);
        }

        return app;
    }

    private static string? ResolveProject(string path)
    {
        if (File.Exists(path) && path.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
        {
            return Path.GetFullPath(path);
        }

        return Directory.Exists(path) ? Directory.GetFiles(path, "*.csproj").Select(Path.GetFullPath).SingleOrDefault() : null;
    }
}
