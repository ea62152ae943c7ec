using Flows.Deploy.Diagnostics;

namespace Flows.Deploy.Publishing;

/// <summary>
/// What a publish needs, bound from MSBuild properties by Flows.Build's tasks: one project, one image (see <see cref="ProjectPublish"/>).
/// </summary>
public sealed record PublishRequest
{
    /// <summary>The .csproj.</summary>
    public required string ProjectFile { get; init; }

    /// <summary>The compiled assembly carrying the flow manifest.</summary>
    public required string ManifestAssembly { get; init; }

    /// <summary>Where image.json and deployments.json go (<c>obj/&lt;Configuration&gt;/flows</c>).</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>An explicit prefect.yaml (default: beside the project, else the csproj's deployments).</summary>
    public string? PrefectFile { get; init; }

    /// <summary>A work pool replacing every deployment's <c>work_pool.name</c> (<c>FlowsWorkPool</c>, as <c>deploy --pool</c>).</summary>
    public string? WorkPool { get; init; }

    /// <summary><c>$(SourceRevisionId)</c>: the full commit SHA, or empty outside a repository.</summary>
    public string? SourceRevisionId { get; init; }

    public bool RequireCleanTree { get; init; }

    /// <summary>Destination overrides (<c>FlowsContainerRegistry</c>/<c>FlowsContainerRepository</c>); both or neither.</summary>
    public string? Registry { get; init; }

    public string? Repository { get; init; }

    /// <summary>Tags pushed besides the commit tag (e.g. <c>latest</c>).</summary>
    public IReadOnlyList<string> ExtraTags { get; init; } = [];

    /// <summary>Amazon ECR: create the repository when it is missing (<c>FlowsCreateRepository</c>, default true).</summary>
    public bool CreateRepository { get; init; } = true;

    /// <summary>Environment for templates, credentials and <c>PREFECT_API_URL</c>.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;
}
