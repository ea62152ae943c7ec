namespace Flows;

/// <summary>Exit codes of a flows app, stable for scripts.</summary>
public static class FlowsExitCodes
{
    /// <summary>The run Completed (or a listing succeeded).</summary>
    public const int Success = 0;

    /// <summary>The run ended Failed, Crashed or Cancelled.</summary>
    public const int RunFailed = 1;

    /// <summary>Bad input: unknown flow, bad parameters, bad arguments. No run was created.</summary>
    public const int BadInput = 2;
}
