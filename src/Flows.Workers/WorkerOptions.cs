namespace Flows.Workers;

/// <summary>How a worker runs: which pool, how many runs at once, how often it polls and heartbeats.</summary>
public sealed record WorkerOptions
{
    /// <summary>The work pool to take runs from.</summary>
    public required string WorkPool { get; init; }

    /// <summary>The infrastructure type: process, docker or kubernetes (default: the pool's type).</summary>
    public string? Type { get; init; }

    /// <summary>The worker's name (default <c>&lt;type&gt;-&lt;host&gt;-&lt;short id&gt;</c>), shown in the pool's worker list.</summary>
    public string? Name { get; init; }

    /// <summary>Only these queues of the pool (default: all).</summary>
    public IReadOnlyList<string> WorkQueues { get; init; } = [];

    /// <summary>At most this many runs at once (default: unlimited).</summary>
    public int? Limit { get; init; }

    /// <summary>How often to ask for scheduled runs (Prefect's default is 10 s; one indexed query a second is cheap, and
    /// it keeps dispatch under a second, see bench/workers).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Claim runs scheduled up to this far ahead; their runner waits for the time (Prefect's prefetch).</summary>
    public TimeSpan Prefetch { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often to tell the server the worker is alive.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Told of every successful poll, for a health endpoint (null: nobody asks).</summary>
    public WorkerHealth? Health { get; init; }

    /// <summary>On shutdown, how long running flow runs may take to finish before they are stopped and marked Crashed.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(30);
}
