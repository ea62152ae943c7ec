using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Cli.Output;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Docker;
using Flows.Deploy.Engine;
using Flows.Deploy.ImageSources;
using Flows.Deploy.Planning;
using Flows.Deploy.Publishing;
using Flows.Deploy.Registration;

namespace Flows.Cli.Commands;

/// <summary><c>flows-deploy deploy</c>: select, plan (validating everything), print; register unless <c>--dry-run</c>.</summary>
internal sealed class DeployCommand : Command
{
    private static readonly Option<bool> All = new("--all") { Description = "Deploy every deployment in the file." };
    private static readonly Option<string[]> Names = new("--name", "-n") { Description = "Deployment to deploy, as flow/deployment or deployment; '*' matches any run of characters. Repeatable.", AllowMultipleArgumentsPerToken = false };
    private static readonly Option<string[]> Param = new("--param") { Description = "Parameter override k=v (v parsed as JSON, else taken as text). Repeatable." };
    private static readonly Option<string?> Params = new("--params") { Description = "Parameter overrides as one JSON object; --param values win over it." };
    private static readonly Option<string[]> JobVariable = new("--job-variable") { Description = "Job variable k=v (v parsed as JSON, else text), deep-merged into work_pool.job_variables. Repeatable." };
    private static readonly Option<string[]> Tag = new("--tag") { Description = "Tag replacing the file's tags. Repeatable." };
    private static readonly Option<string?> Cron = new("--cron") { Description = "Cron schedule replacing the file's schedules." };
    private static readonly Option<double?> Interval = new("--interval") { Description = "Interval schedule in seconds replacing the file's schedules." };
    private static readonly Option<string?> Timezone = new("--timezone") { Description = "IANA time zone for --cron/--interval." };
    private static readonly Option<string?> Pool = new("--pool") { Description = "Work pool replacing work_pool.name." };
    private static readonly Option<string?> PrefectFile = new("--prefect-file") { Description = "Deployment file (default: prefect.yaml beside the project, else the csproj's <FlowDeployment> items)." };
    private static readonly Option<string> ProjectPath = new("--project") { Description = "Project file or directory.", DefaultValueFactory = _ => "." };
    private static readonly Option<string?> ManifestAssembly = new("--manifest-assembly") { Description = "Compiled assembly (or manifest .json) to read flows from (default: newest obj/<Configuration>/<tfm>/<AssemblyName>.dll)." };
    private static readonly Option<bool> NoBuild = new("--no-build") { Description = "Do not build the project first; read the flow manifest of its last build (as dotnet run --no-build)." };
    private static readonly Option<bool> DryRun = new("--dry-run") { Description = "Print the plan; build, push and register nothing (build steps that compute values, such as the git SHA, still run)." };
    private static readonly Option<string> OutputFormat = new("--output", "-o") { Description = "Output format: text, or json (the plan; after a real deploy, the pinned plan with ids and built images).", DefaultValueFactory = _ => "text" };
    private static readonly Option<string[]> Property = new("--property") { Description = "MSBuild property k=v for the dotnet publish of dockerfile: auto images (e.g. ContainerBaseImage=…). Repeatable." };
    private static readonly Option<bool> CreateRepository = new("--create-repository") { Description = "Amazon ECR: create a missing repository before pushing.", DefaultValueFactory = _ => true };

    private readonly CliConsole _console;

    public DeployCommand(CliConsole console) : base("deploy", "Deploy flows from prefect.yaml or the csproj: validate every deployment, build and push each image once (dockerfile: auto with the .NET SDK, a Dockerfile through the Docker Engine), register with the images pinned by digest.")
    {
        _console = console;
        OutputFormat.AcceptOnlyFromAmong("text", "json");
        foreach (var option in new Option[] { All, Names, Param, Params, JobVariable, Tag, Cron, Interval, Timezone, Pool, PrefectFile, ProjectPath, ManifestAssembly, NoBuild, DryRun, OutputFormat, CreateRepository, Property })
        {
            Options.Add(option);
        }

        SetAction((parseResult, cancellationToken) => RunAsync(parseResult, cancellationToken));
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        // validate → plan → print → register, as ko's build.go reads.
        JsonObject? parameters, jobVariables;
        try
        {
            parameters = KeyValues.Parse("--param", parse.GetValue(Param), parse.GetValue(Params));
            jobVariables = KeyValues.Parse("--job-variable", parse.GetValue(JobVariable), null, deepMerge: true);
            foreach (var property in parse.GetValue(Property) ?? [])
            {
                KeyValues.Split("--property", property);
            }
        }
        catch (ArgumentException e)
        {
            return _console.Fail(CliDiagnosticCodes.KeyValueInvalid, e.Message, "Write NAME=VALUE (e.g. --param name=Arthur, --property ContainerBaseImage=registry/image:tag).");
        }

        var request = new DeployRequest
        {
            Project = parse.GetValue(ProjectPath)!,
            PrefectFile = parse.GetValue(PrefectFile),
            ManifestAssembly = parse.GetValue(ManifestAssembly),
            All = parse.GetValue(All),
            Patterns = parse.GetValue(Names) ?? [],
            Parameters = parameters,
            JobVariables = jobVariables,
            Tags = parse.GetValue(Tag) is { Length: > 0 } tags ? tags : null,
            Cron = parse.GetValue(Cron),
            Interval = parse.GetValue(Interval),
            Timezone = parse.GetValue(Timezone),
            Pool = parse.GetValue(Pool),
            DryRun = parse.GetValue(DryRun),
            Environment = _console.Environment,
        };
        var errors = request.Validate();
        if (errors.Count > 0)
        {
            _console.Report(errors);
            return ExitCodes.BadInput;
        }

        // As dotnet run and dotnet test: build first, so the plan reads the flow manifest of the code as it is now.
        if (request.ManifestAssembly is null && !parse.GetValue(NoBuild))
        {
            try
            {
                request = request with { ManifestAssembly = await ProjectBuild.BuildAsync(request.Project, _console, cancellationToken).ConfigureAwait(false) };
            }
            catch (DeployException ex)
            {
                return _console.Fail(ex);
            }
        }

        // A dry run writes nothing, so it never starts the embedded server (without a server the pools go unchecked).
        await using var session = await ApiConnection.OpenAsync(_console, cancellationToken, embedded: !request.DryRun).ConfigureAwait(false);
        var client = session?.Client;
        var json = parse.GetValue(OutputFormat) == "json";
        var properties = parse.GetValue(Property) ?? [];
        var engine = new DeployEngine(new ProgressLogger(_console.Error), client is null ? null : new PrefectWorkPoolLookup(client));
        try
        {
            var plan = await engine.PlanAsync(request, cancellationToken).ConfigureAwait(false);
            _console.Report(plan.Warnings);
            if (request.DryRun || !json)
            {
                WritePlan(plan, json, request.DryRun);
            }

            if (request.DryRun)
            {
                return ExitCodes.Ok;
            }

            // Build output is progress: stderr, indented, so stdout stays the result.
            var options = new DeployOptions { Access = new RegistryAccessOptions { CreateRepository = parse.GetValue(CreateRepository) }, Progress = new IndentedProgress(_console.Error) };
            var checkedDeploy = await engine.CheckAsync(request, plan, Sources(properties), options, cancellationToken).ConfigureAwait(false);
            // Not a dry run: OpenAsync gave a server (the embedded one at least).
            var outcome = await engine.PublishAsync(checkedDeploy, new PrefectDeploymentRegistrar(client!), cancellationToken).ConfigureAwait(false);
            WriteResult(outcome, json);
            return ExitCodes.Ok;
        }
        catch (DeployException ex)
        {
            return _console.Fail(ex);
        }
    }

    /// <summary>The image sources of the CLI: the SDK's container publish for <c>dockerfile: auto</c>, the Docker Engine for a Dockerfile.</summary>
    private IReadOnlyList<IImageSource> Sources(IReadOnlyList<string> properties) =>
        [new SdkContainerImageSource(new ProgressLogger(_console.Error), properties), new DockerfileImageBuilder(new ProgressLogger(_console.Error))];

    private void WritePlan(DeploymentPlan plan, bool json, bool dryRun)
    {
        if (json)
        {
            _console.Out.WriteLine(PlanJson.Write(plan));
        }
        else
        {
            PlanTable.Write(plan, dryRun, _console.Out);
        }
    }

    private void WriteResult(DeployOutcome outcome, bool json)
    {
        var (plan, built, ids) = (outcome.Plan, outcome.Images, outcome.DeploymentIds);
        if (json)
        {
            // The registered result: the pinned plan plus each deployment's id and the images, for scripts.
            var result = PlanJson.ToJson(plan);
            result["built_images"] = JsonSerializer.SerializeToNode(built.Select(b => new { image = b.Reference, image_name = b.ImageName, tag = b.Tag, digest = b.Digest, image_id = b.ImageId, skipped = b.Skipped, blobs_uploaded = b.BlobsUploaded }));
            var deployments = result["deployments"]!.AsArray();
            for (var i = 0; i < ids.Count; i++)
            {
                deployments[i]!["id"] = ids[i].ToString();
            }

            _console.Out.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return;
        }

        for (var i = 0; i < ids.Count; i++)
        {
            var image = plan.Deployments[i].Body.JobVariables is { } variables && variables.TryGetValue("image", out var value) && value.ValueKind == JsonValueKind.String ? $" image {value.GetString()}" : "";
            _console.Out.WriteLine($"Registered {plan.Deployments[i].FullName} ({ids[i]}){image}");
        }
    }
}
