using Microsoft.Extensions.Logging;

namespace Flows.Runner.TestApp;

/// <summary>A flow that fails: the runner reports Failed and the app exits 1 (for workers' "flow failed" paths).</summary>
public static class FailFlows
{
    /// <summary>Logs "failing", then throws.</summary>
    [Flow("fail")]
    public static void Fail()
    {
        Flow.GetRunLogger().LogInformation("failing");
        throw new InvalidOperationException("the fail flow fails on purpose");
    }
}
