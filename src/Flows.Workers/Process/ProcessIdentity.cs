using System.Globalization;

namespace Flows.Workers.Process;

/// <summary>
/// A flow run process as the process worker records it in <c>infrastructure_pid</c>: <c>host:pid</c> as Prefect's
/// process worker writes it, plus <c>:start</c>, the process's start time in clock ticks since boot (Linux
/// <c>/proc/PID/stat</c>, field 22), so that a restarted worker tells the run's process from a later process that
/// reuses its pid.
/// </summary>
public sealed record ProcessIdentity(string Host, int Pid, long? StartTicks)
{
    /// <summary>The identity of a process of this host.</summary>
    public static ProcessIdentity Of(int pid) => new(Environment.MachineName, pid, StartTicksOf(pid));

    /// <summary>Reads <c>host:pid[:start]</c>; null for anything else.</summary>
    public static ProcessIdentity? Parse(string text)
    {
        var parts = text.Split(':');
        return parts.Length is 2 or 3 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? new ProcessIdentity(parts[0], pid, parts.Length == 3 && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var start) ? start : null)
            : null;
    }

    /// <summary>Whether this is a process of this host.</summary>
    public bool IsLocal => string.Equals(Host, Environment.MachineName, StringComparison.Ordinal);

    /// <summary>Whether the process still runs (the same process: same start time, where the system tells it).</summary>
    public bool IsAlive()
    {
        if (!IsLocal)
        {
            return false;
        }

        if (StartTicksOf(Pid) is { } now)
        {
            return StartTicks is null || now == StartTicks;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(Pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
    }

    public override string ToString() => StartTicks is { } start
        ? string.Create(CultureInfo.InvariantCulture, $"{Host}:{Pid}:{start}")
        : string.Create(CultureInfo.InvariantCulture, $"{Host}:{Pid}");

    private static long? StartTicksOf(int pid)
    {
        try
        {
            // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], CultureInfo.InvariantCulture); // field 22 overall
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
