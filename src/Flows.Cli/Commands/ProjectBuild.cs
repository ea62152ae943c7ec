using Flows.Cli.Output;
using Flows.Deploy.Project;

namespace Flows.Cli.Commands;

/// <summary>The implicit build of <c>deploy</c> (and <c>--dry-run</c>): the build's output is progress, so it goes to
/// stderr, indented, and stdout stays the result.</summary>
internal static class ProjectBuild
{
    /// <summary>Builds the project at <paramref name="path"/> and returns its compiled assembly; null when the path is a
    /// folder without a project (a prefect.yaml-only folder: nothing to build, the planner says what is missing).</summary>
    public static async Task<string?> BuildAsync(string path, CliConsole console, CancellationToken cancellationToken)
    {
        var project = ProjectLocator.Locate(path);
        if (project.ProjectFile is null)
        {
            return null;
        }

        await console.Error.WriteLineAsync($"Building {ProjectLocator.Relative(project.ProjectFile)}").ConfigureAwait(false);
        return await new ProjectBuilder(new IndentedProgress(console.Error)).BuildAsync(project, cancellationToken).ConfigureAwait(false);
    }
}
