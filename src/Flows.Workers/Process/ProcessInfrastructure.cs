using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Flows.Workers.Process;

/// <summary>
/// Runs a flow run as a child process: the job's <c>command</c> (split like a shell, run without one) in its
/// <c>working_dir</c>, with the job's <c>env</c> over the worker's environment; output streamed when
/// <c>stream_output</c> (the default). Cancelling kills the whole process tree. The run's infrastructure id is
/// <see cref="ProcessIdentity"/> (<c>host:pid:start</c>); a worker restarted on the same host re-attaches to a process
/// that survived it (waits for it to end; its exit code is not knowable then) or reports it gone.
/// </summary>
public sealed class ProcessInfrastructure(TextWriter output) : IFlowRunInfrastructure
{
    public string Type => "process";

    /// <summary>How often a re-attached process (not our child: no exit notification) is looked at.</summary>
    public TimeSpan ReattachPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public bool CanReattach(string infrastructureId) => ProcessIdentity.Parse(infrastructureId) is { IsLocal: true };

    public async Task<InfrastructureResult> RunAsync(FlowRunJob job, Func<string, Task> started, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(started);
        if (job.ExistingInfrastructureId is { } existing)
        {
            return await WatchSurvivorAsync(existing, cancellationToken).ConfigureAwait(false);
        }

        var command = (string?)job.Configuration["command"];
        if (string.IsNullOrWhiteSpace(command))
        {
            return new InfrastructureResult(-1, "the job has no command: set the 'command' job variable (e.g. \"dotnet /app/hello.dll\") on the deployment or work pool");
        }

        var arguments = CommandLine.Split(command);
        var start = new ProcessStartInfo(arguments[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        if ((string?)job.Configuration["working_dir"] is { Length: > 0 } directory)
        {
            if (!Directory.Exists(directory))
            {
                return new InfrastructureResult(-1, $"working_dir '{directory}' does not exist on this machine");
            }

            start.WorkingDirectory = directory;
        }

        foreach (var (name, value) in job.Environment)
        {
            start.Environment[name] = value;
        }

        var stream = job.Configuration["stream_output"] is not JsonValue s || !s.TryGetValue<bool>(out var b) || b;
        System.Diagnostics.Process process;
        try
        {
            process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("the process did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new InfrastructureResult(-1, $"cannot start '{arguments[0]}': {e.Message}");
        }

        using (process)
        {
            var errorTail = new Queue<string>();
            var pumps = Task.WhenAll(Pump(process.StandardOutput, stream, null), Pump(process.StandardError, stream, errorTail));
            await started(ProcessIdentity.Of(process.Id).ToString()).ConfigureAwait(false);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                await pumps.ConfigureAwait(false);
                return new InfrastructureResult(process.ExitCode, "the process was killed (cancelled)");
            }

            await pumps.ConfigureAwait(false);
            if (process.ExitCode == 0)
            {
                return new InfrastructureResult(0);
            }

            // The last lines of stderr usually say why an app died before it could report (a missing runtime, a bad path).
            var tail = errorTail.Count == 0 ? string.Empty : ": " + string.Join(" | ", errorTail);
            return new InfrastructureResult(process.ExitCode, $"the process exited with code {process.ExitCode}{tail}");
        }
    }

    /// <summary>A process a previous worker started: not our child, so it is polled until it is gone.</summary>
    private async Task<InfrastructureResult> WatchSurvivorAsync(string infrastructureId, CancellationToken cancellationToken)
    {
        var identity = ProcessIdentity.Parse(infrastructureId);
        if (identity is null || !identity.IsAlive())
        {
            return new InfrastructureResult(-1, $"its process {infrastructureId} is gone: the worker that started it stopped before the run ended");
        }

        try
        {
            while (identity.IsAlive())
            {
                await Task.Delay(ReattachPollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(identity.Pid);
                process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }

            return new InfrastructureResult(-1, "the process was killed (cancelled)");
        }

        // Not our child: its exit code cannot be read. A run it left without a final state crashed.
        return new InfrastructureResult(-1, $"its process {infrastructureId} ended while no worker watched it (exit code unknown)");
    }

    private async Task Pump(StreamReader reader, bool stream, Queue<string>? tail)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (tail is not null && line.Length > 0)
            {
                tail.Enqueue(line.Length > 300 ? line[..300] : line);
                if (tail.Count > 5)
                {
                    tail.Dequeue();
                }
            }

            if (stream)
            {
                lock (output)
                {
                    output.WriteLine(line);
                }
            }
        }
    }
}
