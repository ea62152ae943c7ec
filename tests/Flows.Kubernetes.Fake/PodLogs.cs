namespace Flows.Kubernetes.Fake;

/// <summary>Each pod's log lines, appended by tests; followers wait for the next line or the pod's end.</summary>
internal sealed class PodLogs
{
    private readonly object _gate = new();
    private readonly Dictionary<(string Namespace, string Pod), List<(DateTimeOffset Time, string Line)>> _lines = [];
    private TaskCompletionSource _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Append(string @namespace, string pod, DateTimeOffset time, IEnumerable<string> lines)
    {
        lock (_gate)
        {
            if (!_lines.TryGetValue((@namespace, pod), out var list))
            {
                _lines[(@namespace, pod)] = list = [];
            }

            list.AddRange(lines.Select(l => (time, l)));
            Pulse();
        }
    }

    /// <summary>The lines from <paramref name="from"/> on, and a task that completes at the next append (or pulse).</summary>
    public (IReadOnlyList<(DateTimeOffset Time, string Line)> Lines, Task Next) Read(string @namespace, string pod, int from)
    {
        lock (_gate)
        {
            var lines = _lines.TryGetValue((@namespace, pod), out var list) ? list.Skip(from).ToList() : [];
            return (lines, _appended.Task);
        }
    }

    public void Forget(string @namespace, string pod)
    {
        lock (_gate)
        {
            _lines.Remove((@namespace, pod));
            Pulse();
        }
    }

    /// <summary>Wakes followers so they re-check the pod (it ended or was deleted).</summary>
    public void Pulse()
    {
        lock (_gate)
        {
            var appended = _appended;
            _appended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            appended.TrySetResult();
        }
    }
}
