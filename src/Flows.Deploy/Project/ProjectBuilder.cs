using Flows.Deploy.ImageSources;
using Flows.Deploy.Diagnostics;

namespace Flows.Deploy.Project;

/// <summary>
/// What <c>dotnet run</c> and <c>dotnet test</c> do before they start: build the project, so <c>flows-deploy deploy</c>
/// (and <c>--dry-run</c>) read the flow manifest of the code as it is now, not of the last build. The build's own
/// output goes to <paramref name="output"/> (the CLI's stderr); a failed build is one diagnostic naming the project and
/// quoting its first errors.
/// </summary>
public sealed class ProjectBuilder(IProgress<string>? output = null, string dotnet = "dotnet")
{
    /// <summary>The configuration built, and the one whose <c>obj/</c> the manifest is then read from.</summary>
    public const string Configuration = "Release";

    /// <summary>Builds <paramref name="project"/> and returns its freshly compiled assembly (the flow manifest's carrier).</summary>
    public async Task<string> BuildAsync(ProjectInfo project, CancellationToken cancellationToken = default)
    {
        var projectFile = project.ProjectFile ?? throw new InvalidOperationException("only a project file is built");
        var result = await new DotnetProcess(output, dotnet).RunAsync(
            ["build", projectFile, "-c", Configuration, "--nologo", "-v:q", "-clp:NoSummary", "-p:DeployFlows=false"], project.Directory, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            var errors = result.Errors();
            throw new DeployException([new DeployDiagnostic(BuildDiagnosticCodes.ProjectBuildFailed, true,
                $"building {ProjectLocator.Relative(projectFile)} failed (dotnet build, exit code {result.ExitCode})" + (errors.Count > 0 ? ": " + string.Join(" | ", errors) : ""),
                "Fix the build errors above and run again; nothing was planned, pushed or registered.", projectFile)], badInput: true);
        }

        return ProjectLocator.FindCompiledAssembly(project, Configuration)
            ?? throw new DeployException([new DeployDiagnostic(BuildDiagnosticCodes.ProjectBuildFailed, true,
                $"dotnet build {ProjectLocator.Relative(projectFile)} succeeded but wrote no obj/{Configuration}/<tfm>/{project.AssemblyName}.dll",
                "Keep the default intermediate output path (obj/), or build yourself and pass --manifest-assembly PATH with --no-build.", projectFile)], badInput: true);
    }
}
