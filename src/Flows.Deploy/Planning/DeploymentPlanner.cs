using System.Globalization;
using System.Runtime.CompilerServices;
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
using Flows.Scheduling;

namespace Flows.Deploy.Planning;

/// <summary>
/// The deploy engine's planning half: load → select → run the build/push steps that compute values (shell, git; image
/// steps are only planned) → template → apply overrides → check parameters and work pools → the exact API bodies.
/// Every selected deployment is validated, and all problems are reported together, before a plan is returned.
/// </summary>
public sealed class DeploymentPlanner(StepRegistry? steps = null, IWorkPoolLookup? workPools = null)
{
    private readonly StepsEngine _steps = new(steps ?? StepRegistry.Default);
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
        var groups = new Dictionary<string, Dictionary<string, JsonObject>?>(StringComparer.Ordinal);
        var stepFailed = false;
        var outputsOf = new Dictionary<int, Dictionary<string, JsonObject>?>();
        // Most deployments share the file's lists: each list is written as JSON once, not once per deployment.
        var listText = new Dictionary<JsonArray, string>(ReferenceEqualityComparer.Instance);
        string TextOf(JsonArray list)
        {
            if (!listText.TryGetValue(list, out var text))
            {
                text = listText[list] = list.ToJsonString();
            }

            return text;
        }

        // Deployments that use the very same lists (the file's) find their group without writing the key again.
        var byLists = new Dictionary<(JsonArray Build, JsonArray Push), Dictionary<string, JsonObject>?>(PairByReference<JsonArray, JsonArray>.Instance);
        foreach (var candidate in selected)
        {
            var (build, _) = Section(root, candidate, "build", pointer: false);
            var (push, _) = Section(root, candidate, "push", pointer: false);
            if (!byLists.TryGetValue((build, push), out var outputs))
            {
                var key = TextOf(build) + "\n" + TextOf(push);
                if (!groups.TryGetValue(key, out outputs))
                {
                    outputs = [];
                    try
                    {
                        var buildPointer = Section(root, candidate, "build").Pointer;
                        var pushPointer = Section(root, candidate, "push").Pointer;
                        await _steps.RunAsync(build, doc, buildPointer, recorder, source.Project.Directory, source.Project.ProjectFile, request.Environment, outputs, cancellationToken).ConfigureAwait(false);
                        await _steps.RunAsync(push, doc, pushPointer, recorder, source.Project.Directory, source.Project.ProjectFile, request.Environment, outputs, cancellationToken).ConfigureAwait(false);
                    }
                    catch (DeployException ex)
                    {
                        errors.AddRange(ex.Diagnostics);
                        stepFailed |= !ex.BadInput;
                        outputs = null;
                    }

                    groups[key] = outputs;
                }

                byLists[(build, push)] = outputs;
            }

            outputsOf[candidate.Index] = outputs;
        }

        var planned = new List<PlannedDeployment>();
        var shared = new PlanCache();
        foreach (var candidate in selected)
        {
            if (candidate.Flow is null || outputsOf[candidate.Index] is not { } outputs)
            {
                continue;
            }

            var deployment = Plan(root, doc, candidate, candidate.Flow, outputs, request, errors, warnings, shared);
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

    // Per plan: one template engine per distinct step outputs (it remembers renderings), each flow's schema as JSON once,
    // and each shared pull list checked and rendered once per step outputs (with the diagnostics it gave, to repeat them).
    private sealed class PlanCache
    {
        public Dictionary<Dictionary<string, JsonObject>, TemplateEngine> Engines { get; } = new(ReferenceEqualityComparer.Instance);

        public Dictionary<FlowManifestEntry, JsonElement> ParameterSchemas { get; } = new(ReferenceEqualityComparer.Instance);

        public Dictionary<Content, JsonNode?> Renderings { get; } = new(ContentComparer.Instance);

        public Dictionary<JsonObject, Dictionary<string, JsonElement>> Elements { get; } = new(ReferenceEqualityComparer.Instance);

        public Dictionary<(JsonArray Pull, Dictionary<string, JsonObject> Outputs), (JsonElement? Steps, List<DeployDiagnostic> Errors, List<DeployDiagnostic> Warnings)> PullSteps { get; }
            = new(PairByReference<JsonArray, Dictionary<string, JsonObject>>.Instance);
    }

    private sealed class PairByReference<TFirst, TSecond> : IEqualityComparer<(TFirst First, TSecond Second)>
        where TFirst : class
        where TSecond : class
    {
        public static readonly PairByReference<TFirst, TSecond> Instance = new();

        public bool Equals((TFirst First, TSecond Second) x, (TFirst First, TSecond Second) y) =>
            ReferenceEquals(x.First, y.First) && ReferenceEquals(x.Second, y.Second);

        public int GetHashCode((TFirst First, TSecond Second) pair) =>
            HashCode.Combine(RuntimeHelpers.GetHashCode(pair.First), RuntimeHelpers.GetHashCode(pair.Second));
    }

    private sealed record Candidate(int Index, JsonObject Deployment, DeploymentKey Key, FlowManifestEntry? Flow, string? Entrypoint, IReadOnlyList<DeployDiagnostic> Problems);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static List<Candidate> ResolveFlows(JsonObject root, YamlDocument doc, FlowManifest manifest, List<DeployDiagnostic> errors)
    {
        var result = new List<Candidate>();
        var deployments = root["deployments"] as JsonArray ?? [];
        var seen = new Dictionary<DeploymentKey, int>();
        // Deployments of one flow repeat its entrypoint: each distinct one is resolved once.
        var resolved = new Dictionary<string, (FlowManifestEntry? Flow, string? Problem)>(StringComparer.Ordinal);
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
                if (!resolved.TryGetValue(entrypoint, out var known))
                {
                    known.Flow = EntrypointResolver.Resolve(manifest, entrypoint, out known.Problem);
                    resolved[entrypoint] = known;
                }

                (flow, problem) = known;
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (JsonArray Steps, string Pointer) Section(JsonObject root, Candidate candidate, string section, bool pointer = true)
    {
        if (candidate.Deployment.TryGetPropertyValue(section, out var own))
        {
            return (own as JsonArray ?? [], pointer ? $"/deployments/{candidate.Index}/{section}" : "");
        }

        return (root[section] as JsonArray ?? [], pointer ? $"/{section}" : "");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private PlannedDeployment? Plan(JsonObject root, YamlDocument doc, Candidate candidate, FlowManifestEntry flow, Dictionary<string, JsonObject> outputs,
        DeployRequest request, List<DeployDiagnostic> errors, List<DeployDiagnostic> warnings, PlanCache shared)
    {
        var pointer = $"/deployments/{candidate.Index}";
        var before = errors.Count;
        if (!shared.Engines.TryGetValue(outputs, out var engine))
        {
            engine = shared.Engines[outputs] = new TemplateEngine(outputs, request.Environment);
        }

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

            fields[key] = Render(engine, value, doc, pointer, key, errors, shared);
        }

        var pull = PullStepsElement(root, doc, candidate, outputs, request, errors, warnings, shared);
        var schedules = Schedules(fields, doc, pointer, request, errors);
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
            ParameterOpenapiSchema = flow.ParameterOpenApiSchema is null ? null : SchemaElement(shared, flow),
            Parameters = Elements(parameters),
            Tags = tags ?? [],
            PullSteps = pull,
            WorkPoolName = request.Pool ?? Text(workPool?["name"]),
            WorkQueueName = Text(workPool?["work_queue_name"]),
            Entrypoint = candidate.Entrypoint,
            JobVariables = SharedElements(jobVariables ?? [], shared),
        };
        return new PlannedDeployment(flow.Name, body);
    }

    // A value is rendered once per distinct content (and step outputs) and shared by the deployments whose value has that
    // content (an alias, typically): fields are only read. A rendering that reported a problem is not kept, so the
    // problem is reported again at each deployment's own position.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static JsonNode? Render(TemplateEngine engine, JsonNode? value, YamlDocument doc, string pointer, string key, List<DeployDiagnostic> errors, PlanCache shared)
    {
        var placeholder = false;
        var comparable = true;
        var hash = ContentComparer.Inspect(value, ref placeholder, ref comparable);
        if (!placeholder)
        {
            return value;
        }

        if (value is not (JsonObject or JsonArray) || !comparable)
        {
            return LocatedTemplate.Render(engine, value, doc, pointer, key, errors);
        }

        var content = new Content(engine, value, hash);
        if (shared.Renderings.TryGetValue(content, out var known))
        {
            return known;
        }

        var before = errors.Count;
        var rendered = LocatedTemplate.Render(engine, value, doc, pointer, key, errors);
        if (errors.Count == before)
        {
            shared.Renderings[content] = rendered;
        }

        return rendered;
    }

    // Shared renderings make deployments share job variables: their elements are built once, each body gets its own map.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Dictionary<string, JsonElement> SharedElements(JsonObject values, PlanCache shared)
    {
        if (!shared.Elements.TryGetValue(values, out var elements))
        {
            elements = shared.Elements[values] = Elements(values);
        }

        return new Dictionary<string, JsonElement>(elements, StringComparer.Ordinal);
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

    // A value to render with an engine, with its content's hash (see ContentComparer.Inspect).
    private readonly record struct Content(TemplateEngine Engine, JsonNode Value, int Hash);

    // Equal content, strictly: same kinds, keys in the same order, same strings, booleans and nulls. Values holding
    // numbers are not compared (1 and 1.0 are equal as JSON but written differently) and so never shared.
    private sealed class ContentComparer : IEqualityComparer<Content>
    {
        public static readonly ContentComparer Instance = new();

        /// <summary>One walk of a value: its content hash, whether a string in it holds "{{", and whether it can be compared.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static int Inspect(JsonNode? node, ref bool placeholder, ref bool comparable)
        {
            switch (node)
            {
                case null:
                    return 0;
                case JsonObject o:
                    var h = 17;
                    for (var i = 0; i < o.Count; i++)
                    {
                        var (key, value) = o.GetAt(i);
                        h = HashCode.Combine(h, key, Inspect(value, ref placeholder, ref comparable));
                    }

                    return h;
                case JsonArray a:
                    var ha = 31;
                    for (var i = 0; i < a.Count; i++)
                    {
                        ha = HashCode.Combine(ha, Inspect(a[i], ref placeholder, ref comparable));
                    }

                    return ha;
                case JsonValue v:
                    var kind = v.GetValueKind();
                    if (kind == JsonValueKind.String && v.TryGetValue<string>(out var text))
                    {
                        placeholder |= text.Contains("{{", StringComparison.Ordinal);
                        return text.GetHashCode(StringComparison.Ordinal);
                    }

                    comparable &= kind is JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null;
                    return (int)kind;
                default:
                    comparable = false;
                    return 0;
            }
        }

        public bool Equals(Content x, Content y) => x.Hash == y.Hash && ReferenceEquals(x.Engine, y.Engine) && Same(x.Value, y.Value);

        public int GetHashCode(Content content) => HashCode.Combine(RuntimeHelpers.GetHashCode(content.Engine), content.Hash);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static bool Same(JsonNode? x, JsonNode? y)
        {
            switch (x, y)
            {
                case (null, null):
                    return true;
                case (JsonObject a, JsonObject b):
                    if (a.Count != b.Count)
                    {
                        return false;
                    }

                    for (var i = 0; i < a.Count; i++)
                    {
                        var (ka, va) = a.GetAt(i);
                        var (kb, vb) = b.GetAt(i);
                        if (ka != kb || !Same(va, vb))
                        {
                            return false;
                        }
                    }

                    return true;
                case (JsonArray a, JsonArray b):
                    if (a.Count != b.Count)
                    {
                        return false;
                    }

                    for (var i = 0; i < a.Count; i++)
                    {
                        if (!Same(a[i], b[i]))
                        {
                            return false;
                        }
                    }

                    return true;
                case (JsonValue a, JsonValue b):
                    var kind = a.GetValueKind();
                    return kind == b.GetValueKind() && (kind != JsonValueKind.String || a.GetValue<string>() == b.GetValue<string>());
                default:
                    return false;
            }
        }
    }

    // A JsonElement is immutable, so every body of a flow can carry the same one.
    private static JsonElement SchemaElement(PlanCache shared, FlowManifestEntry flow)
    {
        if (!shared.ParameterSchemas.TryGetValue(flow, out var element))
        {
            element = shared.ParameterSchemas[flow] = JsonSerializer.SerializeToElement(flow.ParameterOpenApiSchema);
        }

        return element;
    }

    // A pull list is checked and rendered the same way for every deployment that shares it (the file's own, with the same
    // step outputs): once, and its diagnostics repeated for each, as checking it again would.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static JsonElement? PullStepsElement(JsonObject root, YamlDocument doc, Candidate candidate, Dictionary<string, JsonObject> outputs, DeployRequest request,
        List<DeployDiagnostic> errors, List<DeployDiagnostic> warnings, PlanCache shared)
    {
        var (list, _) = Section(root, candidate, "pull", pointer: false);
        if (list.Count == 0)
        {
            var steps = PullSteps(root, doc, candidate, outputs, request, errors, warnings);
            return steps is null ? null : JsonSerializer.SerializeToElement(steps);
        }

        if (!shared.PullSteps.TryGetValue((list, outputs), out var known))
        {
            var ownErrors = new List<DeployDiagnostic>();
            var ownWarnings = new List<DeployDiagnostic>();
            var steps = PullSteps(root, doc, candidate, outputs, request, ownErrors, ownWarnings);
            known = shared.PullSteps[(list, outputs)] = (steps is null ? null : JsonSerializer.SerializeToElement(steps), ownErrors, ownWarnings);
        }

        errors.AddRange(known.Errors);
        warnings.AddRange(known.Warnings);
        return known.Steps;
    }

    private static JsonArray? PullSteps(JsonObject root, YamlDocument doc, Candidate candidate, Dictionary<string, JsonObject> outputs, DeployRequest request,
        List<DeployDiagnostic> errors, List<DeployDiagnostic> warnings)
    {
        var (pull, pointer) = Section(root, candidate, "pull");
        var deferred = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < pull.Count; i++)
        {
            try
            {
                var (name, body) = StepsEngine.Parse(pull[i], doc, $"{pointer}/{i}");
                if (body["id"] is JsonValue id && id.TryGetValue<string>(out var s))
                {
                    deferred.Add(s);
                }

                if (!StepRegistry.KnownPullSteps.Contains(name))
                {
                    warnings.Add(At(doc, $"{pointer}/{i}", DiagnosticCodes.PullStepUnknown, $"pull step '{name}' is not one this project's runner implements", "It is sent as written; the run fails if the runner cannot execute it", false));
                }
                else if (name.EndsWith(".set_working_directory", StringComparison.Ordinal) && Text(body["directory"]) is null)
                {
                    errors.Add(At(doc, $"{pointer}/{i}", DiagnosticCodes.StepInvalid, "set_working_directory needs 'directory'", "Add 'directory: /opt/prefect/flows' (the path inside the image)"));
                }
            }
            catch (DeployException ex)
            {
                errors.AddRange(ex.Diagnostics);
            }
        }

        // Pull steps run later, on the worker: build outputs and env vars are resolved now, their own outputs then.
        return pull.Count == 0 && !candidate.Deployment.ContainsKey("pull") && !root.ContainsKey("pull")
            ? null
            : LocatedTemplate.Render(new TemplateEngine(outputs, request.Environment, deferred), pull, doc, pointer, errors) as JsonArray;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static List<DeploymentScheduleCreate> Schedules(Fields fields, YamlDocument doc, string pointer, DeployRequest request, List<DeployDiagnostic> errors)
    {
        // The file is the truth: no schedule means [], which clears the server's.
        var result = new List<DeploymentScheduleCreate>();
        if (request.Cron is not null || request.Interval is not null)
        {
            if (request.Cron is not null)
            {
                result.Add(new DeploymentScheduleCreate { Schedule = Schedule.FromCron(request.Cron, request.Timezone), Active = true });
            }

            if (request.Interval is { } seconds)
            {
                result.Add(new DeploymentScheduleCreate { Schedule = new Schedule { Interval = seconds, Timezone = request.Timezone }, Active = true });
            }

            return result;
        }

        var items = new List<(JsonNode? Node, string Pointer)>();
        if (fields["schedules"] is JsonArray list)
        {
            items.AddRange(list.Select((s, i) => (s, $"{pointer}/schedules/{i}")));
        }
        else if (fields["schedules"] is not null)
        {
            errors.Add(At(doc, $"{pointer}/schedules", DiagnosticCodes.DeploymentInvalid, "'schedules' must be a list", "Write each schedule as a '- cron: …' item"));
        }

        if (fields["schedule"] is JsonObject single)
        {
            items.Add((single, $"{pointer}/schedule"));
        }

        foreach (var (node, at) in items)
        {
            if (node is not JsonObject s)
            {
                errors.Add(At(doc, at, DiagnosticCodes.DeploymentInvalid, "a schedule must be a mapping", "Write 'cron: \"0 * * * *\"', 'interval: 3600' or 'rrule: …'"));
                continue;
            }

            var kinds = new[] { "cron", "interval", "rrule" }.Where(s.ContainsKey).ToList();
            if (kinds.Count != 1)
            {
                errors.Add(At(doc, at, DiagnosticCodes.DeploymentInvalid, $"a schedule needs exactly one of cron, interval or rrule (found {(kinds.Count == 0 ? "none" : string.Join(", ", kinds))})",
                    "Keep one kind per schedule; add another list item for another"));
                continue;
            }

            var timezone = Text(s["timezone"]);
            Schedule schedule;
            switch (kinds[0])
            {
                case "cron":
                    schedule = new Schedule { Cron = Text(s["cron"]), Timezone = timezone, DayOr = Bool(s["day_or"]) };
                    break;
                case "interval":
                    var seconds = s["interval"] is JsonValue v && v.TryGetValue<double>(out var d) ? d
                        : double.TryParse(Text(s["interval"]), NumberStyles.Float, CultureInfo.InvariantCulture, out var p) ? p : double.NaN;
                    if (!(seconds > 0) || double.IsInfinity(seconds))
                    {
                        errors.Add(At(doc, $"{at}/interval", DiagnosticCodes.DeploymentInvalid, $"interval '{s["interval"]?.ToJsonString()}' is not a positive number of seconds", "Write interval: 3600 for hourly"));
                        continue;
                    }

                    DateTimeOffset? anchor = null;
                    if (Text(s["anchor_date"]) is { } a)
                    {
                        if (!DateTimeOffset.TryParse(a, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                        {
                            errors.Add(At(doc, $"{at}/anchor_date", DiagnosticCodes.DeploymentInvalid, $"anchor_date '{a}' is not a date-time", "Write an ISO 8601 date-time such as 2024-01-01T00:00:00Z"));
                            continue;
                        }

                        anchor = parsed;
                    }

                    schedule = new Schedule { Interval = seconds, AnchorDate = anchor, Timezone = timezone };
                    break;
                default:
                    schedule = new Schedule { Rrule = Text(s["rrule"]), Timezone = timezone };
                    break;
            }

            // Checked now, by the rules the server applies, so a bad schedule stops the plan before any image is built or pushed.
            if (ScheduleRules.Check(schedule) is { } problem)
            {
                errors.Add(At(doc, problem.Field.Length == 0 ? at : $"{at}/{problem.Field}", DiagnosticCodes.ScheduleInvalid, problem.Message, problem.Fix));
                continue;
            }

            result.Add(new DeploymentScheduleCreate
            {
                Schedule = schedule,
                Active = Bool(s["active"]) ?? true,
                Slug = Text(s["slug"]),
                MaxScheduledRuns = s["max_scheduled_runs"] is null ? null : Int(s["max_scheduled_runs"], doc, $"{at}/max_scheduled_runs", "max_scheduled_runs", errors),
                Parameters = s["parameters"] is JsonObject sp ? Elements(sp) : null,
            });
        }

        return result;
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static List<string>? StringList(JsonNode? node, YamlDocument doc, string pointer, string what, List<DeployDiagnostic> errors)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonArray a when IsTextList(a):
                var list = new List<string>(a.Count);
                foreach (var item in a)
                {
                    list.Add(Text(item)!);
                }

                return list;
            default:
                errors.Add(At(doc, pointer, DiagnosticCodes.DeploymentInvalid, $"'{what}' must be a list of strings, got {Kind(node)}",
                    $"Write {what} as a YAML list ('- a' lines or [a, b]); a placeholder that yields text is not split"));
                return null;
        }
    }

    private static bool IsTextList(JsonArray list)
    {
        foreach (var item in list)
        {
            if (item is not JsonValue v || v.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
            {
                return false;
            }
        }

        return true;
    }

    private static int? Int(JsonNode? node, YamlDocument doc, string pointer, string what, List<DeployDiagnostic> errors)
    {
        if (node is JsonValue v && v.TryGetValue<long>(out var n) && n is > 0 and <= int.MaxValue)
        {
            return (int)n;
        }

        if (node is JsonValue s && s.TryGetValue<double>(out var d) && d > 0 && d <= int.MaxValue && Math.Floor(d) == d)
        {
            return (int)d;
        }

        errors.Add(At(doc, pointer, DiagnosticCodes.DeploymentInvalid, $"'{what}' must be a positive whole number, got {node?.ToJsonString() ?? "null"}", $"Write {what}: 1"));
        return null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? Text(JsonNode? node) => node is JsonValue v
        ? v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
            _ => null,
        }
        : null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool? Bool(JsonNode? node) => node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : null;

    private static string Kind(JsonNode? node) => node switch
    {
        JsonObject => "a mapping",
        JsonArray => "a list with non-text items",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => $"the text '{v.GetValue<string>()}'",
        _ => node?.ToJsonString() ?? "null",
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Dictionary<string, JsonElement> Elements(JsonObject obj) =>
        obj.ToDictionary(p => p.Key, p => p.Value is null ? JsonSerializer.SerializeToElement<object?>(null) : JsonSerializer.SerializeToElement(p.Value), StringComparer.Ordinal);

    private static T? Fail<T>(List<DeployDiagnostic> errors, DeployDiagnostic diagnostic) where T : class
    {
        errors.Add(diagnostic);
        return null;
    }

    private static DeployDiagnostic At(YamlDocument doc, string pointer, string code, string message, string fix, bool isError = true)
    {
        var (line, column) = doc.PositionOf(pointer);
        return new DeployDiagnostic(code, isError, message, fix.TrimEnd('.') + ".", doc.File, line, column);
    }

    private static void ThrowIfAny(IReadOnlyList<DeployDiagnostic> errors)
    {
        if (errors.Count > 0)
        {
            throw new DeployException(errors);
        }
    }

    private static string Escape(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
