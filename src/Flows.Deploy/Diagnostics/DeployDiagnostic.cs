namespace Flows.Deploy.Diagnostics;

/// <summary>A coded, located problem. Printed in MSBuild's canonical form so editors and CI parse it.</summary>
public sealed record DeployDiagnostic(string Code, bool IsError, string Message, string? Fix = null, string? File = null, int Line = 0, int Column = 0)
{
    /// <summary><c>path(line,col): error FLOWS1xxx: message. fix</c></summary>
    public override string ToString()
    {
        var location = File is null ? "flows-deploy" : Line > 0 ? $"{File}({Line},{Column})" : File;
        var fix = string.IsNullOrEmpty(Fix) ? "" : " " + Fix;
        return $"{location}: {(IsError ? "error" : "warning")} {Code}: {Message}.{fix}";
    }
}

/// <summary>Thrown when input is bad (or, with <paramref name="badInput"/> false, when a step fails); carries every
/// diagnostic found, not just the first. The CLI maps bad input to exit code 2 and everything else to 1.</summary>
public sealed class DeployException(IReadOnlyList<DeployDiagnostic> diagnostics, bool badInput = true)
    : Exception(string.Join(Environment.NewLine, diagnostics))
{
    public IReadOnlyList<DeployDiagnostic> Diagnostics { get; } = diagnostics;

    /// <summary>True when the user's input is at fault (fixable by editing a file or a flag).</summary>
    public bool BadInput { get; } = badInput;
}
