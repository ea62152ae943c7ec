using Flows.Deploy.Diagnostics;

namespace Flows.Cli;

/// <summary>The one place the tool writes to: results on <see cref="Out"/>, diagnostics on <see cref="Error"/> in
/// MSBuild's canonical form (so editors and CI pick them up). Tests pass their own writers.</summary>
public sealed class CliConsole(TextWriter output, TextWriter error, Func<string, string?>? environment = null)
{
    public static CliConsole System { get; } = new(Console.Out, Console.Error);

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>Environment variables as the commands see them (tests pass their own, so they can run in parallel).</summary>
    public Func<string, string?> Environment { get; } = environment ?? global::System.Environment.GetEnvironmentVariable;

    /// <summary>Reports why a command stopped and returns its exit code: 2 when the input is at fault, else 1.</summary>
    public int Fail(DeployException exception)
    {
        Report(exception.Diagnostics);
        return exception.BadInput ? ExitCodes.BadInput : ExitCodes.Failure;
    }

    /// <summary>Reports one error of the command layer (a FLOWS3xxx code) and returns <paramref name="exitCode"/>.</summary>
    public int Fail(string code, string message, string? fix = null, int exitCode = ExitCodes.BadInput)
    {
        Report([new DeployDiagnostic(code, true, message.TrimEnd('.'), fix)]);
        return exitCode;
    }

    public void Report(IEnumerable<DeployDiagnostic> diagnostics)
    {
        foreach (var d in diagnostics)
        {
            Error.WriteLine(d.ToString());
        }
    }
}
