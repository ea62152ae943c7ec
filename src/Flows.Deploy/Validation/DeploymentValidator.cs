using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Loading;
using Flows.Deploy.Manifest;
using Flows.Deploy.Planning;
using Flows.Deploy.Project;

namespace Flows.Deploy.Validation;

/// <summary>What a build validates: one project's deployments against its (possibly not yet built) assembly.</summary>
public sealed record ValidationRequest
{
    /// <summary>The .csproj.</summary>
    public required string ProjectFile { get; init; }

    /// <summary>An explicit prefect.yaml (default: beside the project, else the csproj's deployments).</summary>
    public string? PrefectFile { get; init; }

    /// <summary>The compiled assembly carrying the flow manifest; when it does not exist (a design-time build before the
    /// first build), only what needs no manifest is checked.</summary>
    public string? ManifestAssembly { get; init; }

    /// <summary>Replaces every deployment's <c>work_pool.name</c> (<c>FlowsWorkPool</c>).</summary>
    public string? WorkPool { get; init; }

    /// <summary>Environment for <c>{{ $VAR }}</c>; unset variables used without a default get <see cref="DeploymentValidator.Placeholder"/>.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;
}

/// <summary>The validator's answer. <see cref="Complete"/>: the manifest was read, so every check ran.</summary>
public sealed record ValidationResult(IReadOnlyList<DeployDiagnostic> Diagnostics, bool Complete, int Deployments, IReadOnlyList<string> UnsetVariables)
{
    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}

/// <summary>
/// The checks of <c>flows-deploy deploy</c> as a plain or design-time build can afford them: load, schema, entrypoints,
/// templates, parameters against the flows' schemas, schedules; with no server (work pools are not looked up), no
/// registry, and no step that does anything (<see cref="ValidationSteps"/>). Values only a deploy knows (step outputs,
/// unset environment variables) are <see cref="Placeholder"/>, so a parameter computed from a placeholder
/// (<c>{{ … }}</c> in its value) is not type-checked here; the deploy checks it with the real value. An unset variable
/// whose every use has a default (<c>{{ $X ?? 2 }}</c>) takes the default.
/// Problems come back as diagnostics; only cancellation throws.
/// </summary>
public sealed partial class DeploymentValidator
{
    /// <summary>Stands for a value only a deploy computes. A valid image tag and repository name, so image steps accept it.</summary>
    public const string Placeholder = "flows-placeholder";

    public async Task<ValidationResult> ValidateAsync(ValidationRequest request, CancellationToken cancellationToken = default)
    {
        DeploymentSource source;
        ProjectInfo project;
        try
        {
            project = ProjectLocator.Locate(request.ProjectFile);
            source = ProjectLocator.LoadDeployments(project, request.PrefectFile);
        }
        catch (DeployException e)
        {
            return new ValidationResult(e.Diagnostics, false, 0, []);
        }

        var count = (source.Document.Root as JsonObject)?["deployments"] is JsonArray a ? a.Count : 0;
        var schema = PrefectYamlSchema.Validate(source.Document);
        if (schema.Any(d => d.IsError) || request.ManifestAssembly is null || !File.Exists(request.ManifestAssembly))
        {
            return new ValidationResult(schema, false, count, []);
        }

        FlowManifest manifest;
        try
        {
            manifest = ProjectLocator.ReadManifest(project, request.ManifestAssembly);
        }
        catch (DeployException e)
        {
            return new ValidationResult([.. schema, .. e.Diagnostics], false, count, []);
        }

        // Unset variables: a placeholder where one is used without a default (the deploy's environment will have it),
        // null (so the default applies) where every use has one ({{ $X ?? 2 }}).
        var withoutDefault = VariablesWithoutDefault(source.Document.Root);
        var unset = new SortedSet<string>(StringComparer.Ordinal);
        string? Environment(string name)
        {
            var value = request.Environment(name);
            if (value is null && withoutDefault.Contains(name))
            {
                lock (unset)
                {
                    unset.Add(name);
                }

                return Placeholder;
            }

            return value;
        }

        var deploy = new DeployRequest
        {
            Project = request.ProjectFile,
            All = true,
            Pool = request.WorkPool,
            // Dry run: an unchecked work pool is a warning, not an error (and dropped below: a build asks no server).
            DryRun = true,
            Environment = Environment,
        };
        IReadOnlyList<DeployDiagnostic> found;
        try
        {
            var plan = await new DeploymentPlanner(ValidationSteps.Registry).PlanAsync(source, manifest, deploy, cancellationToken).ConfigureAwait(false);
            found = plan.Warnings;
        }
        catch (DeployException e)
        {
            found = e.Diagnostics;
        }

        var templated = TemplatedParameters(source.Document);
        var kept = found.Where(d => d.Code != DiagnosticCodes.WorkPoolUnchecked
            && !(d.Code == DiagnosticCodes.ParameterInvalid && templated.Contains((d.File, d.Line, d.Column)))
            && !(d.Code == DiagnosticCodes.ScheduleInvalid && d.Message.Contains(Placeholder, StringComparison.Ordinal)));
        return new ValidationResult([.. schema, .. kept], true, count, [.. unset]);
    }

    /// <summary>Names of <c>{{ $VAR }}</c> placeholders written without a <c>?? default</c> anywhere in the document.</summary>
    private static HashSet<string> VariablesWithoutDefault(JsonNode? root)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<JsonNode?>([root]);
        while (pending.TryPop(out var node))
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (_, value) in o)
                    {
                        pending.Push(value);
                    }

                    break;
                case JsonArray a:
                    foreach (var value in a)
                    {
                        pending.Push(value);
                    }

                    break;
                case JsonValue v when v.TryGetValue<string>(out var text) && text.Contains("{{", StringComparison.Ordinal):
                    foreach (Match m in EnvironmentPlaceholder().Matches(text))
                    {
                        if (!m.Groups["default"].Success)
                        {
                            result.Add(m.Groups["name"].Value);
                        }
                    }

                    break;
            }
        }

        return result;
    }

    [GeneratedRegex(@"\{\{\s*\$(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?<default>\?\?)?", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex EnvironmentPlaceholder();

    /// <summary>Where the deployments' parameters whose values hold a placeholder are: their type is known only at deploy.</summary>
    private static HashSet<(string?, int, int)> TemplatedParameters(YamlDocument document)
    {
        var result = new HashSet<(string?, int, int)>();
        if ((document.Root as JsonObject)?["deployments"] is not JsonArray deployments)
        {
            return result;
        }

        for (var i = 0; i < deployments.Count; i++)
        {
            if (deployments[i] is not JsonObject { } d || d["parameters"] is not JsonObject parameters)
            {
                continue;
            }

            foreach (var (name, value) in parameters)
            {
                if (value is not null && value.ToJsonString().Contains("{{", StringComparison.Ordinal))
                {
                    var (line, column) = document.PositionOf($"/deployments/{i}/parameters/{name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)}");
                    result.Add((document.File, line, column));
                }
            }
        }

        return result;
    }
}
