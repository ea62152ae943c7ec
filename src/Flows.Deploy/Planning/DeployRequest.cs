using System.Text.Json.Nodes;
using Flows.Api.Models;
using Flows.Deploy.Diagnostics;
using Flows.Scheduling;

namespace Flows.Deploy.Planning;

/// <summary>
/// The one request the deploy engine takes, whether flags (flows-deploy) or MSBuild properties (Flows.Build) built it.
/// Overrides apply to every selected deployment.
/// </summary>
public sealed record DeployRequest
{
    /// <summary>A .csproj or a directory (default: the current directory).</summary>
    public string Project { get; init; } = ".";

    /// <summary>An explicit prefect.yaml (default: beside the project).</summary>
    public string? PrefectFile { get; init; }

    /// <summary>The compiled assembly (or manifest .json) to read flows from (default: newest obj/*/*/&lt;AssemblyName&gt;.dll).</summary>
    public string? ManifestAssembly { get; init; }

    public bool All { get; init; }

    /// <summary><c>-n</c> patterns (name-matching.json semantics).</summary>
    public IReadOnlyList<string> Patterns { get; init; } = [];

    /// <summary>Parameters merged over each deployment's (shallow: a parameter is replaced, not merged).</summary>
    public JsonObject? Parameters { get; init; }

    /// <summary>Job variables deep-merged into each deployment's <c>work_pool.job_variables</c>.</summary>
    public JsonObject? JobVariables { get; init; }

    /// <summary>When set, replace the file's tags.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>When set (with <see cref="Interval"/> and <see cref="Timezone"/>), replace the file's schedules.</summary>
    public string? Cron { get; init; }

    /// <summary>Seconds.</summary>
    public double? Interval { get; init; }

    public string? Timezone { get; init; }

    /// <summary>Replaces <c>work_pool.name</c>.</summary>
    public string? Pool { get; init; }

    public bool DryRun { get; init; }

    /// <summary>Environment for <c>{{ $VAR }}</c> (default: the process environment).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Problems a user fixes on the command line (exit code 2), found before any file is read.</summary>
    public IReadOnlyList<DeployDiagnostic> Validate()
    {
        var errors = new List<DeployDiagnostic>();
        void Add(string message, string fix) => errors.Add(new DeployDiagnostic(DiagnosticCodes.OverrideInvalid, true, message, fix + "."));
        if (All && Patterns.Count > 0)
        {
            Add("--all and -n select deployments in two ways", "Use one of them");
        }

        if (!All && Patterns.Count == 0)
        {
            Add("no deployment selected", "Pass --all, or -n flow/deployment (repeatable)");
        }

        if (Timezone is not null && Cron is null && Interval is null)
        {
            Add("--timezone needs --cron or --interval", "Add --cron '0 * * * *' or --interval SECONDS");
        }

        // The same rules as schedules in files (and the server): --cron, --interval and --timezone checked as schedules.
        foreach (var schedule in new[] { Cron is null ? null : new Schedule { Cron = Cron, Timezone = Timezone }, Interval is null ? null : new Schedule { Interval = Interval, Timezone = Timezone } })
        {
            if (schedule is not null && ScheduleRules.Check(schedule) is { } problem)
            {
                Add($"--{problem.Field}: {problem.Message}", problem.Fix);
                break;
            }
        }

        if (Tags?.Any(string.IsNullOrWhiteSpace) == true)
        {
            Add("--tag needs a value", "Pass --tag NAME");
        }

        if (Pool is { Length: 0 })
        {
            Add("--pool needs a value", "Pass --pool NAME");
        }

        return errors;
    }
}
