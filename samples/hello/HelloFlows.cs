using Flows;
using Microsoft.Extensions.Logging;

namespace Hello;

/// <summary>The flows of the hello sample: the seed's hello flow, in C#.</summary>
public static class HelloFlows
{
    /// <summary>Says hello.</summary>
    /// <param name="name">Who to greet.</param>
    [Flow]
    public static void Hello(string name = "Marvin")
    {
        Flow.GetRunLogger().LogInformation("Hello, {Name}!", name);
    }
}
