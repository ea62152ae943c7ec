using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Api.Models;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Loading;
using Flows.Deploy.Manifest;
using Flows.Deploy.Project;
using Flows.Deploy.Selection;
using Flows.Deploy.Steps;
using Flows.Deploy.Templating;
using static Flows.Deploy.Planning.PlanValues;

namespace Flows.Deploy.Planning;

/// <summary>
/// The deploy engine's planning half: load → select → run the build/push steps that compute values (shell, git; image
/// steps are only planned) → template → apply overrides → check parameters and work pools → the exact API bodies.
/// Every selected deployment is validated, and all problems are reported together, before a plan is returned.
/// </summary>
public sealed class DeploymentPlanner(StepRegistry? steps = null, IWorkPoolLookup? workPools = null)
{
    private readonly ParameterValidator _parameters = new();

    /// <summary>Locates the project, its deployments and its manifest from the request, then plans.</summary>
    public async Task<DeploymentPlan> PlanAsync(DeployRequest request, CancellationToken cancellationToken = default)
    {
        ThrowIfAny(request.Validate());
        var project = ProjectLocator.Locate(request.Project);
        var source = ProjectLocator.LoadDeployments(project, request.PrefectFile);
        ThrowIfAny(PrefectYamlSchema.Validate(source.Document));
        var manifest = ProjectLocator.ReadManifest(project, request.ManifestAssembly);
        return await PlanAsync(source, manifest, request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Plans already-loaded deployments against a manifest.</summary>
    public async Task<DeploymentPlan> PlanAsync(DeploymentSource source, FlowManifest manifest, DeployRequest request, CancellationToken cancellationToken = default)
    {
        ThrowIfAny(request.Validate());
        var doc = source.Document;
        var root = doc.Root as JsonObject ?? [];
        var errors = new List<DeployDiagnostic>();
        var warnings = new List<DeployDiagnostic>();
        var candidates = ResolveFlows(root, doc, manifest, errors);
        var selected = request.All ? candidates : DeploymentSelector.Select(candidates, c => c.Key, request.Patterns);
        // Only the selected deployments must resolve: -n deploys one flow while another is being written.
        errors.AddRange(selected.SelectMany(c => c.Problems));

        // Build/push lists: a deployment's own key wins when present ([] or null disables); each distinct list runs once.
        var recorder = new StepRecorder();
        var stepsEngine = new StepsEngine(steps ?? StepRegistry.For(request.ImageDestination));
        var groups = new Dictionary<string, Dictionary<string, JsonObject>?>(StringComparer.Ordinal);
        var stepFailed = false;
        var outputsOf = new Dictionary<int, Dictionary<string, JsonObject>?>();
        foreach (var candidate in selected)
        {
            var (build, buildPointer) = Section(root, candidate, "build");
            var (push, pushPointer) = Section(root, candidate, "push");
            var key = build.ToJsonString() + "\n" + push.ToJsonString();
            if (!groups.TryGetValue(key, out var outputs))
            {
                outputs = [];
                try
                {
                    await stepsEngine.RunAsync(build, doc, buildPointer, recorder, source.Project.Directory, source.Project.ProjectFile, request.Environment, outputs, cancellationToken).ConfigureAwait(false);
                    await stepsEngine.RunAsync(push, doc, pushPointer, recorder, source.Project.Directory, source.Project.ProjectFile, request.Environment, outputs, cancellationToken).ConfigureAwait(false);
                }
                catch (DeployException ex)
                {
                    errors.AddRange(ex.Diagnostics);
                    stepFailed |= !ex.BadInput;
                    outputs = null;
                }

                groups[key] = outputs;
            }

            outputsOf[candidate.Index] = outputs;
        }

        var planned = new List<PlannedDeployment>();
        foreach (var candidate in selected)
        {
            if (candidate.Flow is null || outputsOf[candidate.Index] is not { } outputs)
            {
                continue;
            }

            var deployment = Plan(root, doc, candidate, candidate.Flow, outputs, request, errors, warnings);
            if (deployment is not null)
            {
                planned.Add(deployment);
            }
        }

        if (errors.Count > 0)
        {
            throw new DeployException(errors, badInput: !stepFailed);
        }

        warnings.AddRange(recorder.Warnings.Select(w => new DeployDiagnostic(DiagnosticCodes.StepWarning, false, w, null, doc.File)));
        await CheckWorkPoolsAsync(planned, request, doc.File, warnings, cancellationToken).ConfigureAwait(false);
        return new DeploymentPlan(recorder.Images, planned, warnings);
    }


    private sealed record Candidate(int Index, JsonObject Deployment, DeploymentKey Key, FlowManifestEntry? Flow, string? Entrypoint, IReadOnlyList<DeployDiagnostic> Problems);

    private static List<Candidate> ResolveFlows(JsonObject root, YamlDocument doc, FlowManifest manifest, List<DeployDiagnostic> errors)
    {
        var result = new List<Candidate>();
        var deployments = root["deployments"] as JsonArray ?? [];
        var seen = new Dictionary<DeploymentKey, int>();
        for (var i = 0; i < deployments.Count; i++)
        {
            if (deployments[i] is not JsonObject d)
            {
                continue; // the schema check reported it
            }

            var name = Text(d["name"]) ?? "";
            var entrypoint = Text(d["entrypoint"]);
            var flowName = Text(d["flow_name"]);
            FlowManifestEntry? flow = null;
            string? problem;
            if (entrypoint is not null)
            {
                flow = EntrypointResolver.Resolve(manifest, entrypoint, out problem);
                flowName ??= entrypoint[(entrypoint.LastIndexOf(':') + 1)..];
            }
            else if (flowName is not null)
            {
                flow = manifest.Flows.FirstOrDefault(f => f.Name.Replace('-', '_') == flowName.Replace('-', '_'));
                problem = flow is null ? $"no [Flow] named '{flowName}' (flows: {string.Join(", ", manifest.Flows.Select(f => f.Name))})" : null;
                entrypoint = flow is null ? null : $"{flow.SourceFile}:{flow.Name}";
            }
            else
            {
                problem = $"deployment '{name}' has no entrypoint";
            }

            var problems = new List<DeployDiagnostic>(problem is null ? 0 : 1);
            if (problem is not null)
            {
                problems.Add(At(doc, $"/deployments/{i}/{(d.ContainsKey("entrypoint") || !d.ContainsKey("flow_name") ? "entrypoint" : "flow_name")}", DiagnosticCodes.EntrypointUnresolved, problem,
                    "Write entrypoint: path/to/File.cs:flow_name naming a [Flow] method, and rebuild if you just added it"));
            }

            var key = new DeploymentKey(flow?.Name ?? flowName ?? "", name);
            if (seen.TryGetValue(key, out var first))
            {
                errors.Add(At(doc, $"/deployments/{i}/name", DiagnosticCodes.DuplicateDeployment, $"deployment '{key}' is declared twice (first at deployments[{first}])",
                    "Give each deployment of a flow its own name"));
            }
            else
            {
                seen[key] = i;
            }

            result.Add(new Candidate(i, d, key, flow, entrypoint, problems));
        }

        return result;
    }

    // The list a deployment uses for a section (its own when it has the key) and where it is (written only if asked).
    private static (JsonArray Steps, string Pointer) Section(JsonObject root, Candidate candidate, string section) =>
        candidate.Deployment.TryGetPropertyValue(section, out var own)
            ? (own as JsonArray ?? [], $"/deployments/{candidate.Index}/{section}")
            : (root[section] as JsonArray ?? [], $"/{section}");

    private PlannedDeployment? Plan(JsonObject root, YamlDocument doc, Candidate candidate, FlowManifestEntry flow, Dictionary<string, JsonObject> outputs,
        DeployRequest request, List<DeployDiagnostic> errors, List<DeployDiagnostic> warnings)
    {
        var pointer = $"/deployments/{candidate.Index}";
        var before = errors.Count;
        var engine = new TemplateEngine(outputs, request.Environment);
        var fields = new Fields();
        foreach (var (key, value) in candidate.Deployment)
        {
            if (key is "build" or "push" or "pull")
            {
                continue;
            }

            if (key is "triggers" or "sla" or "version_type" || (key == "concurrency_limit" && value is JsonObject { Count: > 1 }))
            {
                warnings.Add(At(doc, $"{pointer}/{key}", DiagnosticCodes.KeyIgnored, $"'{key}' is not supported yet and is ignored", "Remove it, or configure it on the server", false));
                if (key != "concurrency_limit")
                {
                    continue;
                }
            }

            fields[key] = LocatedTemplate.Render(engine, value, doc, pointer, key, errors);
        }

        var (pullList, pullPointer) = Section(root, candidate, "pull");
        var pullSteps = PullStepPlanner.Plan(pullList, pullPointer, candidate.Deployment.ContainsKey("pull") || root.ContainsKey("pull"), doc, outputs, request, errors, warnings);
        var pull = pullSteps is null ? (JsonElement?)null : JsonSerializer.SerializeToElement(pullSteps);
        var schedules = ScheduleBuilder.Build(fields["schedules"], fields["schedule"], doc, pointer, request, errors);
        var tags = request.Tags?.ToList() ?? StringList(fields["tags"], doc, $"{pointer}/tags", "tags", errors);
        var parameters = fields["parameters"] switch
        {
            null => [],
            JsonObject o => o,
            _ => Fail<JsonObject>(errors, At(doc, $"{pointer}/parameters", DiagnosticCodes.DeploymentInvalid, "'parameters' must be a mapping", "Write parameters as 'name: value' lines")) ?? [],
        };
        // The rendered parameters are this deployment's own copy: merged into a new one only when --param gave some.
        parameters = request.Parameters is null ? parameters : JsonMerge.MergeShallow(parameters, request.Parameters);
        foreach (var problem in _parameters.Validate(flow, parameters))
        {
            var fromFlag = problem.Parameter is not null && request.Parameters?.ContainsKey(problem.Parameter) == true;
            var where = problem.Parameter is not null && !fromFlag && fields["parameters"] is JsonObject p && p.ContainsKey(problem.Parameter)
                ? $"{pointer}/parameters/{Escape(problem.Parameter)}"
                : fields.ContainsKey("parameters") ? $"{pointer}/parameters" : pointer;
            errors.Add(fromFlag
                ? new DeployDiagnostic(problem.Code, true, problem.Message + $" (from --param/--params, deployment '{candidate.Key}')", problem.Fix + ".")
                : At(doc, where, problem.Code, problem.Message, problem.Fix));
        }

        var workPool = fields["work_pool"] as JsonObject;
        if (fields["work_pool"] is not null and not JsonObject)
        {
            errors.Add(At(doc, $"{pointer}/work_pool", DiagnosticCodes.DeploymentInvalid, "'work_pool' must be a mapping", "Write work_pool: with name:, work_queue_name: and job_variables: under it"));
        }

        var jobVariables = workPool?["job_variables"] switch
        {
            null => null,
            JsonObject o => o,
            _ => Fail<JsonObject>(errors, At(doc, $"{pointer}/work_pool/job_variables", DiagnosticCodes.DeploymentInvalid, "'job_variables' must be a mapping", "Write job_variables as 'name: value' lines")),
        };
        jobVariables = request.JobVariables is null ? jobVariables : JsonMerge.Merge(jobVariables, request.JobVariables);
        var concurrency = fields["concurrency_limit"] switch
        {
            null => (int?)null,
            JsonObject o => Int(o["limit"], doc, $"{pointer}/concurrency_limit/limit", "concurrency_limit.limit", errors),
            var n => Int(n, doc, $"{pointer}/concurrency_limit", "concurrency_limit", errors),
        };

        if (errors.Count > before)
        {
            return null;
        }

        var body = new DeploymentCreate
        {
            Name = candidate.Key.Name,
            FlowId = Guid.Empty,
            Version = Text(fields["version"]),
            Description = Text(fields["description"]) ?? flow.Description,
            Paused = Bool(fields["paused"]),
            Schedules = schedules,
            ConcurrencyLimit = concurrency,
            EnforceParameterSchema = Bool(fields["enforce_parameter_schema"]) ?? true,
            ParameterOpenapiSchema = flow.ParameterOpenApiSchema is null ? null : JsonSerializer.SerializeToElement(flow.ParameterOpenApiSchema),
            Parameters = Elements(parameters),
            Tags = tags ?? [],
            PullSteps = pull,
            WorkPoolName = request.Pool ?? Text(workPool?["name"]),
            WorkQueueName = Text(workPool?["work_queue_name"]),
            Entrypoint = candidate.Entrypoint,
            JobVariables = Elements(jobVariables ?? []),
        };
        return new PlannedDeployment(flow.Name, body);
    }


    // A deployment's rendered values by key (null when absent). Only read, so they may be the document's own nodes.
    private sealed class Fields
    {
        private readonly Dictionary<string, JsonNode?> _values = new(StringComparer.Ordinal);

        public JsonNode? this[string key]
        {
            get => _values.GetValueOrDefault(key);
            set => _values[key] = value;
        }

        public bool ContainsKey(string key) => _values.ContainsKey(key);
    }


    private async Task CheckWorkPoolsAsync(List<PlannedDeployment> planned, DeployRequest request, string file, List<DeployDiagnostic> warnings, CancellationToken cancellationToken)
    {
        foreach (var deployment in planned.Where(d => d.Body.WorkPoolName is null))
        {
            warnings.Add(new DeployDiagnostic(DiagnosticCodes.NoWorkPool, false, $"deployment '{deployment.FullName}' has no work pool, so no worker will run it",
                "Set work_pool.name (or pass --pool)", file));
        }

        var problems = new List<DeployDiagnostic>();
        foreach (var pool in planned.Select(d => d.Body.WorkPoolName).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            var exists = workPools is null ? null : await workPools.ExistsAsync(pool, cancellationToken).ConfigureAwait(false);
            if (exists == true)
            {
                continue;
            }

            var users = string.Join(", ", planned.Where(d => d.Body.WorkPoolName == pool).Select(d => d.FullName));
            var diagnostic = exists is null
                ? new DeployDiagnostic(DiagnosticCodes.WorkPoolUnchecked, !request.DryRun, $"work pool '{pool}' (used by {users}) could not be checked: no server is configured or reachable",
                    "Set PREFECT_API_URL (and PREFECT_API_KEY) to the server that will run the flows", file)
                : new DeployDiagnostic(DiagnosticCodes.WorkPoolMissing, !request.DryRun, $"work pool '{pool}' (used by {users}) does not exist on the server",
                    $"Create it first (flows-deploy work-pool create {pool} --type kubernetes, or prefect work-pool create with Prefect Cloud), or pass --pool with an existing one", file);
            (request.DryRun ? warnings : problems).Add(diagnostic);
        }

        // A real deploy stops here, before any image is built or anything is registered.
        ThrowIfAny(problems);
    }


    private static void ThrowIfAny(IReadOnlyList<DeployDiagnostic> errors)
    {
        if (errors.Count > 0)
        {
            throw new DeployException(errors);
        }
    }

}
