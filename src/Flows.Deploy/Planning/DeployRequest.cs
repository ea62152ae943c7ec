using System.Text.Json.Nodes;
using Flows.Deploy.Diagnostics;

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

    /// <summary><c>dotnet publish -p:DeployFlows=true</c>: the commit tag (and destination) every image step takes.</summary>
    public Steps.ImageDestination? ImageDestination { get; init; }

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

        if (Interval is <= 0 or double.NaN or double.PositiveInfinity)
        {
            Add($"--interval {Interval} is not a positive number of seconds", "Pass --interval 3600 for hourly");
        }

        if (Timezone is not null && Cron is null && Interval is null)
        {
            Add("--timezone needs --cron or --interval", "Add --cron '0 * * * *' or --interval SECONDS");
        }

        if (Timezone is not null && !IsTimeZone(Timezone))
        {
            Add($"--timezone '{Timezone}' is not an IANA time zone", "Pass a name such as Europe/Berlin or UTC");
        }

        if (Cron is not null && Cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length is < 5 or > 6)
        {
            Add($"--cron '{Cron}' does not have 5 fields", "Pass e.g. --cron '0 9 * * 1-5'");
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

    private static bool IsTimeZone(string id)
    {
        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (TimeZoneNotFoundException)
        {
            return false;
        }
        catch (InvalidTimeZoneException)
        {
            return false;
        }
    }
}
