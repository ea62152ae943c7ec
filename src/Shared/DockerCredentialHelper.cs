using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace Flows.Shared;

/// <summary>
/// The docker credential-helper protocol (docker/docker-credential-helpers): <c>docker-credential-NAME get</c>, the
/// server address on stdin, <c>{"Username": …, "Secret": …}</c> on stdout; a non-zero exit means "no credentials for
/// that server". A helper that does not answer within <paramref name="timeout"/> (a keychain waiting for a click, a
/// helper waiting on a network that is down) is killed and counts as no credentials, said through
/// <paramref name="warn"/>, so it never holds up a publish or a worker. Nothing the helper prints is ever put into a
/// message: its output carries the secret. Linked source (src/Shared, docs/DESIGN.md "Shared helpers").
/// </summary>
/// <param name="searchPath">Where to look for the helper, as a PATH value; null: the process's PATH.</param>
/// <param name="timeout">How long a helper may take to answer.</param>
/// <param name="warn">Told when a helper is given up on.</param>
internal sealed class DockerCredentialHelper(string? searchPath, TimeSpan timeout, Action<string> warn)
{
    /// <summary>Long enough for a helper that asks a cloud for a token, short enough that a hung one is noticed.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public const string ExecutablePrefix = "docker-credential-";

    /// <summary>
    /// Asks helper <paramref name="name"/> for <paramref name="serverAddress"/>'s credentials. Null: the helper has none,
    /// or did not answer in time. Throws <see cref="DockerAuthFileException"/> when the helper cannot be run or answers
    /// something the protocol does not allow; <paramref name="origin"/> (e.g. "credHelpers in /root/.docker/config.json")
    /// says in that message where the helper was named.
    /// </summary>
    public async Task<DockerCredential?> GetAsync(string name, string serverAddress, string origin, CancellationToken cancellationToken = default)
    {
        var executable = ExecutablePrefix + name;
        using var process = Start(executable, Resolve(name, origin), origin);
        try
        {
            await process.StandardInput.WriteAsync(serverAddress).ConfigureAwait(false);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The helper exited without reading stdin: its exit code and output still say what it meant.
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        string output;
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            output = await stdout.ConfigureAwait(false);
            await stderr.ConfigureAwait(false); // read only so a chatty helper cannot block on a full pipe
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            Observe(stdout);
            Observe(stderr);
            cancellationToken.ThrowIfCancellationRequested();
            warn($"{executable} ({origin}) did not answer for {serverAddress} within {timeout.TotalSeconds:0.#} s; it was stopped and no credentials are used for that registry.");
            return null;
        }

        if (process.ExitCode != 0)
        {
            return null; // "credentials not found": an ordinary answer
        }

        return Parse(output) ?? throw new DockerAuthFileException(DockerAuthFileProblem.HelperFailed,
            $"{executable} ({origin}) answered for {serverAddress} with something other than the credential-helper protocol's JSON (Username, Secret).");
    }

    private static Process Start(string executable, string fileName, string origin)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("get");
        try
        {
            return Process.Start(start) ?? throw new DockerAuthFileException(DockerAuthFileProblem.HelperFailed, $"{executable} ({origin}) did not start.");
        }
        catch (Win32Exception e)
        {
            throw new DockerAuthFileException(DockerAuthFileProblem.HelperFailed, $"{executable} ({origin}) could not be started: {e.Message}. Install it on the PATH, or remove it from the docker config.", e);
        }
    }

    /// <summary>The helper's file: looked up along <c>searchPath</c> when one is given, else left to the OS (the process's PATH).</summary>
    private string Resolve(string name, string origin)
    {
        var executable = ExecutablePrefix + name;
        if (name.Length == 0 || name.IndexOfAny(['/', '\\']) >= 0)
        {
            // A name is a suffix, never a path: "docker-credential-../x" must not run a file outside the search path.
            throw new DockerAuthFileException(DockerAuthFileProblem.HelperFailed, $"'{name}' ({origin}) is not a credential helper name.");
        }

        if (searchPath is null)
        {
            return executable;
        }

        var suffixes = OperatingSystem.IsWindows() ? new[] { ".exe", ".cmd", ".bat", "" } : [""];
        foreach (var directory in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var suffix in suffixes)
            {
                var candidate = Path.Combine(directory, executable + suffix);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new DockerAuthFileException(DockerAuthFileProblem.HelperFailed, $"{executable} ({origin}) is not on the PATH. Install it, or remove it from the docker config.");
    }

    private static DockerCredential? Parse(string output)
    {
        try
        {
            using var answer = JsonDocument.Parse(output);
            return answer.RootElement is { ValueKind: JsonValueKind.Object } root
                && root.TryGetProperty("Username", out var user) && user.ValueKind == JsonValueKind.String
                && root.TryGetProperty("Secret", out var secret) && secret.ValueKind == JsonValueKind.String
                ? new DockerCredential(user.GetString()!, secret.GetString()!)
                : null;
        }
        catch (JsonException)
        {
            return null; // the exception's message quotes the output, which may hold the secret
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            // Exited meanwhile, or not ours to kill any more.
        }
    }

    /// <summary>Reads abandoned after a kill end cancelled or failed; looking at the failure keeps it from surfacing later.</summary>
    private static void Observe(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
