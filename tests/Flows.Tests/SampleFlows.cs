using Flows;
using Microsoft.Extensions.Logging;

namespace Flows.Tests;

/// <summary>Flows compiled by the real generator in this test project.</summary>
public static class SampleFlows
{
    [Flow]
    public static string Greet(string name = "Marvin")
    {
        Flow.GetRunLogger().LogInformation("Hello, {Name}!", name);
        return "Hello, " + name + "!";
    }

    [Flow]
    public static int AddNumbers(int count, int step = 1) => count + step;

    [Flow("explode")]
    public static void Explode() => throw new InvalidOperationException("boom");

    [Flow]
    public static async Task<IReadOnlyList<string>> TagsAfterAwaitAsync()
    {
        await Task.Yield();
        await Task.Delay(1);
        return Flow.CurrentRun!.Tags;
    }

    [Flow]
    public static async ValueTask<Guid> CurrentRunIdAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(1, cancellationToken);
        return Flow.CurrentRun!.Id;
    }

    [Flow]
    public static Guid? Outer() => Inner(Flow.CurrentRun!.Id);

    [Flow]
    public static Guid? Inner(Guid expectedParent) => Flow.CurrentRun?.Parent?.Id == expectedParent ? expectedParent : null;
}

/// <summary>An instance flow: the generated registry creates the type with its parameterless constructor.</summary>
public sealed class InstanceFlows
{
    [Flow]
    public string Shout(string word) => word.ToUpperInvariant();
}
