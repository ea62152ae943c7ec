using Flows.Deploy.Diagnostics;
using Flows.Deploy.Publishing;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Flows.Build;

/// <summary>Runs an engine call and maps its typed exceptions to coded MSBuild errors (file, line, column when known).</summary>
public abstract class FlowsTask : Microsoft.Build.Utilities.Task, ICancelableTask
{
    private readonly CancellationTokenSource _cancel = new();

    public void Cancel() => _cancel.Cancel();

    public sealed override bool Execute()
    {
        try
        {
            ExecuteAsync(new MSBuildLogger(Log), _cancel.Token).GetAwaiter().GetResult();
        }
        catch (DeployException e)
        {
            foreach (var d in e.Diagnostics)
            {
                Report(d);
            }
        }
        catch (RegistryException e)
        {
            Log.LogError(null, e.Code, null, null, 0, 0, 0, 0, $"{e.Message}. {e.Fix}");
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            Log.LogError("Cancelled.");
        }

        return !Log.HasLoggedErrors;
    }

    protected abstract System.Threading.Tasks.Task ExecuteAsync(Microsoft.Extensions.Logging.ILogger logger, CancellationToken cancellationToken);

    protected void Report(DeployDiagnostic d)
    {
        var text = string.IsNullOrEmpty(d.Fix) ? d.Message : $"{d.Message.TrimEnd('.')}. {d.Fix}";
        if (d.IsError)
        {
            Log.LogError(null, d.Code, null, d.File, d.Line, d.Column, 0, 0, text);
        }
        else
        {
            Log.LogWarning(null, d.Code, null, d.File, d.Line, d.Column, 0, 0, text);
        }
    }

    protected static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    protected static IReadOnlyList<string> Split(string? value) =>
        (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Inputs both publish tasks share: they bind the same <see cref="PublishRequest"/> (FlowsCompletePublish needs it for
/// the server it registers with).</summary>
public abstract class PublishTaskBase : FlowsTask
{
    [Required]
    public string ProjectFile { get; set; } = "";

    [Required]
    public string ManifestAssembly { get; set; } = "";

    [Required]
    public string OutputDirectory { get; set; } = "";

    public string? PrefectFile { get; set; }

    public string? SourceRevisionId { get; set; }

    public string? WorkPool { get; set; }

    public bool RequireCleanTree { get; set; }

    public string? ContainerRegistry { get; set; }

    public string? ContainerRepository { get; set; }

    public string? ExtraTags { get; set; }

    public bool CreateRepository { get; set; } = true;

    /// <summary>Where <see cref="PreparePublish"/> leaves the checked plan for <see cref="CompletePublish"/> in this build.</summary>
    protected string PreparedKey => $"Flows.Build.PreparedPublish|{Path.GetFullPath(ProjectFile)}|{OutputDirectory}";

    protected PublishRequest Request() => new()
    {
        ProjectFile = ProjectFile,
        ManifestAssembly = ManifestAssembly,
        OutputDirectory = OutputDirectory,
        PrefectFile = NullIfEmpty(PrefectFile),
        SourceRevisionId = NullIfEmpty(SourceRevisionId),
        WorkPool = NullIfEmpty(WorkPool),
        RequireCleanTree = RequireCleanTree,
        Registry = NullIfEmpty(ContainerRegistry),
        Repository = NullIfEmpty(ContainerRepository),
        ExtraTags = Split(ExtraTags),
        CreateRepository = CreateRepository,
    };
}
