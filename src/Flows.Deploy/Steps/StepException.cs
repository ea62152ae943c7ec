namespace Flows.Deploy.Steps;

/// <summary>A step could not run. <see cref="BadInput"/>: its inputs are wrong (exit 2), otherwise it failed (exit 1).
/// The steps engine adds file:line:col.</summary>
public sealed class StepException(string code, string message, string fix, bool badInput) : Exception(message)
{
    public string Code { get; } = code;

    public string Fix { get; } = fix;

    public bool BadInput { get; } = badInput;
}
