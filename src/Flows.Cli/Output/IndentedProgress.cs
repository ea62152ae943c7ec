namespace Flows.Cli.Output;

/// <summary>Lines of a child process (a build, a push) written at once, indented, to one writer (stderr: progress,
/// not the result). Synchronous, unlike <see cref="Progress{T}"/>, so no line arrives after the step that wrote it
/// ended; locked, because a child's stdout and stderr are read at the same time.</summary>
internal sealed class IndentedProgress(TextWriter writer) : IProgress<string>
{
    public void Report(string value)
    {
        lock (writer)
        {
            writer.WriteLine($"  {value}");
        }
    }
}
