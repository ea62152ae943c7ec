namespace Flows.Cli;

/// <summary>The tool's exit codes: scripts and CI branch on them.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Something failed while doing the work (a step, the server).</summary>
    public const int Failure = 1;

    /// <summary>The input is wrong (flags, prefect.yaml, csproj, parameters): fix it and run again.</summary>
    public const int BadInput = 2;
}
