using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Flows.Deploy.Diagnostics;

namespace Flows.Deploy.Steps;

/// <summary>
/// <c>prefect.deployments.steps.run_shell_script</c> as Prefect runs it: each non-empty line of <c>script</c> is split
/// like <c>shlex.split</c> and started directly (no shell), with <c>env</c> added to the environment, optional
/// <c>$VAR</c> expansion (<c>expand_env_vars</c>) and <c>directory</c> as the working directory; outputs are the trimmed
/// <c>stdout</c> and <c>stderr</c> of all lines. A non-zero exit stops the deploy. <c>shell: true</c> (or a shell such as
/// <c>bash</c>) runs the whole script through that shell instead, for pipes and redirections; values reach it only as
/// environment variables (<c>env</c>, expanded by the shell), never inside its text (<see cref="ShellScriptTemplates"/>).
/// <c>stream_output</c> is accepted; output is never echoed here (the plan shows the outputs).
/// </summary>
public sealed class RunShellScriptStep : IDeploymentStep
{
    public const string StepName = "prefect.deployments.steps.run_shell_script";

    public string Name => StepName;

    public async Task<JsonObject> RunAsync(StepInvocation invocation, CancellationToken cancellationToken = default)
    {
        var inputs = invocation.Inputs;
        var script = StepInputs.String(inputs, StepName, "script", required: true)!;
        var expand = StepInputs.Bool(inputs, StepName, "expand_env_vars", false);
        var directory = StepInputs.String(inputs, StepName, "directory");
        directory = directory is null ? invocation.ProjectDirectory : Path.GetFullPath(directory, invocation.ProjectDirectory);
        var env = new Dictionary<string, string>();
        switch (inputs["env"])
        {
            case null:
                break;
            case JsonObject o:
                foreach (var (k, v) in o)
                {
                    env[k] = v is JsonValue s && s.TryGetValue<string>(out var text) ? text : v?.ToJsonString() ?? "";
                }

                break;
            default:
                throw StepInputs.Invalid(StepName, "'env' must be a mapping of names to values", "Write env as 'NAME: value' lines");
        }

        string? Lookup(string name) => env.TryGetValue(name, out var v) ? v : Environment.GetEnvironmentVariable(name);

        var shell = inputs["shell"] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<bool>(out var b) => b ? (OperatingSystem.IsWindows() ? "cmd.exe" : "/bin/sh") : null,
            JsonValue v when v.TryGetValue<string>(out var s) && s.Length > 0 => s,
            _ => throw StepInputs.Invalid(StepName, "'shell' must be true, false or a shell program", "Write 'shell: true' or 'shell: bash'"),
        };

        if (!Directory.Exists(directory))
        {
            throw StepInputs.Invalid(StepName, $"directory '{directory}' does not exist", "Fix 'directory' (relative paths start at the project directory)");
        }

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        if (shell is not null)
        {
            // The shell expands $VAR itself, from the environment (env included): substituting values into the text
            // first would make them shell syntax. Templated values are refused before this step runs (ShellScriptTemplates).
            var text = script;
            var args = OperatingSystem.IsWindows() && shell.EndsWith("cmd.exe", StringComparison.OrdinalIgnoreCase) ? new[] { "/c", text } : ["-c", text];
            await RunAsync(shell, args, directory, env, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            foreach (var rawLine in script.Split('\n'))
            {
                var line = expand ? ShellWords.SafeSubstitute(rawLine.TrimEnd('\r'), Lookup) : rawLine.TrimEnd('\r');
                List<string> words;
                try
                {
                    words = ShellWords.Split(line);
                }
                catch (FormatException ex)
                {
                    throw StepInputs.Invalid(StepName, $"cannot split '{line}': {ex.Message}", "Balance the quotes in the script line");
                }

                if (words.Count > 0)
                {
                    await RunAsync(words[0], words.Skip(1).ToArray(), directory, env, stdout, stderr, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return new JsonObject { ["stdout"] = stdout.ToString().Trim(), ["stderr"] = stderr.ToString().Trim() };
    }

    private static async Task RunAsync(string program, string[] args, string directory, Dictionary<string, string> env,
        StringBuilder stdout, StringBuilder stderr, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (Win32Exception ex)
        {
            throw new StepException(DiagnosticCodes.StepFailed, $"step '{StepName}': cannot start '{program}': {ex.Message}",
                $"Install {program} or fix the script line", badInput: false);
        }

        using (process)
        {
            process.StandardInput.Close();
            var outTask = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errTask = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            var o = await outTask.ConfigureAwait(false);
            var e = await errTask.ConfigureAwait(false);
            stdout.Append(o);
            stderr.Append(e);
            if (process.ExitCode != 0)
            {
                throw new StepException(DiagnosticCodes.StepFailed,
                    $"step '{StepName}' failed: '{program}' exited with code {process.ExitCode}: {e.Trim()}",
                    "Run the script line by hand in the project directory to see why", badInput: false);
            }
        }
    }
}
