namespace Flows.Cli;

/// <summary>Codes the command layer itself reports (FLOWS3000–3999); the engine's are in Flows.Deploy's DiagnosticCodes.</summary>
public static class CliDiagnosticCodes
{
    public const string CommandLineInvalid = "FLOWS3001";
    public const string KeyValueInvalid = "FLOWS3002";
    public const string ServerError = "FLOWS3005";

    /// <summary>dotnet publish of the project failed (dev).</summary>
    public const string PublishFailed = "FLOWS3006";

    /// <summary>deployment run --watch gave up before the run was final.</summary>
    public const string WatchTimedOut = "FLOWS3007";

    /// <summary>server start --allow-unauthenticated without API keys (a warning).</summary>
    public const string UnauthenticatedServer = "FLOWS3008";
}
