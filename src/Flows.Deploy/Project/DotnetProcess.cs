using System.Diagnostics;

namespace Flows.Deploy.Project;

/// <summary>
/// Runs the <c>dotnet</c> host as a child process (build, publish, container publish), every line of its output and
/// error streams handed to <paramref name="output"/> as it comes, so the caller can show progress on stderr and quote
/// the errors when it fails. Cancelling kills the whole process tree.
/// </summary>
public sealed class DotnetProcess(IProgress<string>? output = null, string dotnet = "dotnet")
{
    /// <summary>The exit code and every line written, in arrival order.</summary>
    public sealed record Result(int ExitCode, IReadOnlyList<string> Lines)
    {
        /// <summary>The distinct MSBuild error lines (<c>file(l,c): error CODE: …</c>), at most <paramref name="max"/>.</summary>
        public IReadOnlyList<string> Errors(int max = 5) =>
            [.. Lines.Where(l => l.Contains(": error ", StringComparison.Ordinal)).Select(l => l.Trim()).Distinct(StringComparer.Ordinal).Take(max)];
    }

    public async Task<Result> RunAsync(IEnumerable<string> arguments, string? workingDirectory = null, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{dotnet} did not start");
        var lines = new List<string>();
        async Task Pump(StreamReader reader)
        {
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                lock (lines)
                {
                    lines.Add(line);
                }

                output?.Report(line);
            }
        }

        try
        {
            await Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError), process.WaitForExitAsync(cancellationToken)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new Result(process.ExitCode, lines);
    }
}
