using System.ComponentModel;
using System.Diagnostics;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Steps;

namespace Flows.Deploy.Git;

/// <summary>
/// Reads HEAD straight from the repository files (HEAD, loose refs, packed-refs; worktrees via <c>.git</c> files and
/// <c>commondir</c>), so the commit is known without a shell or even a git install. Only "is the tree dirty" needs
/// git itself (the index format is not worth re-implementing): it runs <c>git status --porcelain</c> without a shell.
/// </summary>
public static class GitRepository
{
    /// <summary>The <c>.git</c> directory that governs <paramref name="directory"/>, or null outside a repository.</summary>
    public static string? FindGitDirectory(string directory)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(directory)); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, ".git");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }

            if (File.Exists(candidate))
            {
                // A worktree or submodule: ".git" is a file holding "gitdir: <path>".
                var text = File.ReadAllText(candidate).Trim();
                if (text.StartsWith("gitdir:", StringComparison.Ordinal))
                {
                    return Path.GetFullPath(text["gitdir:".Length..].Trim(), dir.FullName);
                }
            }
        }

        return null;
    }

    /// <summary>Reads HEAD. Throws a coded <see cref="StepException"/> outside a repository or before the first commit.</summary>
    public static GitHead ReadHead(string directory)
    {
        var gitDir = FindGitDirectory(directory)
            ?? throw new StepException(DiagnosticCodes.GitUnavailable, $"'{directory}' is not inside a git repository",
                "Run the deploy from a git checkout (git init && git commit), or set the image tag explicitly", badInput: true);
        var commonDir = File.Exists(Path.Combine(gitDir, "commondir"))
            ? Path.GetFullPath(File.ReadAllText(Path.Combine(gitDir, "commondir")).Trim(), gitDir)
            : gitDir;
        var head = File.ReadAllText(Path.Combine(gitDir, "HEAD")).Trim();
        string? branch = null;
        // A symbolic ref may point at another symbolic ref; git itself stops at 5 levels.
        for (var depth = 0; head.StartsWith("ref:", StringComparison.Ordinal) && depth < 5; depth++)
        {
            var name = head["ref:".Length..].Trim();
            branch ??= name.StartsWith("refs/heads/", StringComparison.Ordinal) ? name["refs/heads/".Length..] : name;
            head = ReadRef(gitDir, commonDir, name)
                ?? throw new StepException(DiagnosticCodes.GitUnavailable, $"'{name}' has no commits yet", "Commit once before deploying", badInput: true);
        }

        if (head.Length < 40 || !head.All(char.IsAsciiHexDigit))
        {
            throw new StepException(DiagnosticCodes.GitUnavailable, $"cannot read HEAD in '{gitDir}' ('{head}')", "Check the repository with 'git status'", badInput: true);
        }

        return new GitHead(head.ToLowerInvariant(), branch);
    }

    /// <summary>True when tracked files differ from HEAD (untracked files do not count, as with
    /// <c>git describe --dirty</c>); null when git cannot be run.</summary>
    public static async Task<bool?> IsDirtyAsync(string directory, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo("git")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "status", "--porcelain", "--untracked-files=no" })
        {
            psi.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(psi)!;
            var output = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return process.ExitCode == 0 ? output.Trim().Length > 0 : null;
        }
        catch (Win32Exception)
        {
            return null;
        }
    }

    private static string? ReadRef(string gitDir, string commonDir, string name)
    {
        foreach (var root in new[] { gitDir, commonDir })
        {
            var loose = Path.Combine(root, name.Replace('/', Path.DirectorySeparatorChar));
            if (File.Exists(loose))
            {
                return File.ReadAllText(loose).Trim();
            }
        }

        var packed = Path.Combine(commonDir, "packed-refs");
        if (!File.Exists(packed))
        {
            return null;
        }

        foreach (var line in File.ReadLines(packed))
        {
            // "<sha> <refname>"; '#' header and '^' peeled-tag lines are skipped.
            if (line.Length > 41 && line[40] == ' ' && line.AsSpan(41).SequenceEqual(name))
            {
                return line[..40];
            }
        }

        return null;
    }
}
