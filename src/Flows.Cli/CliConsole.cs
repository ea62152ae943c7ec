using Flows.Deploy.Diagnostics;

namespace Flows.Cli;

/// <summary>The one place the tool writes to: results on <see cref="Out"/>, diagnostics on <see cref="Error"/> in
/// MSBuild's canonical form (so editors and CI pick them up). Tests pass their own writers.</summary>
public sealed class CliConsole(TextWriter output, TextWriter error)
{
    public static CliConsole System { get; } = new(Console.Out, Console.Error);

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public void Report(IEnumerable<DeployDiagnostic> diagnostics)
    {
        foreach (var d in diagnostics)
        {
            Error.WriteLine(d.ToString());
        }
    }
}
