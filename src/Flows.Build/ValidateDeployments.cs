using Flows.Deploy.Diagnostics;
using Flows.Deploy.Publishing;
using Flows.Deploy.Validation;
using Microsoft.Build.Framework;

namespace Flows.Build;

/// <summary>Plain and design-time builds: validates the project's deployments (prefect.yaml or <c>&lt;FlowDeployment&gt;</c>
/// items) with <see cref="DeploymentValidator"/> and logs its diagnostics at their file(line,col). Never runs a step,
/// pushes, registers, or contacts a server or registry.</summary>
public sealed class ValidateDeployments : FlowsTask
{
    [Required]
    public string ProjectFile { get; set; } = "";

    /// <summary>The intermediate assembly; may not exist yet in a design-time build.</summary>
    public string? ManifestAssembly { get; set; }

    public string? PrefectFile { get; set; }

    public string? WorkPool { get; set; }

    /// <summary>True when every check ran (the manifest was read) and none failed: the caller may write its stamp.</summary>
    [Output]
    public bool Passed { get; private set; }

    protected override async System.Threading.Tasks.Task ExecuteAsync(Microsoft.Extensions.Logging.ILogger logger, CancellationToken cancellationToken)
    {
        ValidationResult result;
        try
        {
            result = await new DeploymentValidator().ValidateAsync(new ValidationRequest
            {
                ProjectFile = ProjectFile,
                PrefectFile = NullIfEmpty(PrefectFile),
                ManifestAssembly = NullIfEmpty(ManifestAssembly),
                WorkPool = NullIfEmpty(WorkPool),
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A build (above all an IDE's design-time build) must get a diagnostic, never a task crash.
            Log.LogError(null, PublishDiagnosticCodes.ValidationCrashed, null, ProjectFile, 0, 0, 0, 0,
                $"validating the deployments failed unexpectedly: {e.GetType().Name}: {e.Message}. Set FlowsValidateDeployments=false to build without it, and report this with the message");
            return;
        }

        foreach (var d in result.Diagnostics)
        {
            // Full paths: IDEs resolve them without knowing the directory the engine made them relative to.
            Report(d.File is null ? d with { File = ProjectFile } : d with { File = Path.GetFullPath(d.File) });
        }

        var what = result.Complete ? "validated" : "partly validated (the assembly with the flow manifest is not built yet)";
        Log.LogMessage(MessageImportance.Normal, $"Flows: {result.Deployments} deployment(s) {what}" +
            (result.UnsetVariables.Count > 0 ? $"; placeholders for unset environment variables: {string.Join(", ", result.UnsetVariables)}" : ""));
        Passed = result.Complete && !result.HasErrors;
    }
}
