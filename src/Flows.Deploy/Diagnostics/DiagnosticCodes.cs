namespace Flows.Deploy.Diagnostics;

/// <summary>Every code the deploy engine reports, in one place (a test keeps them unique).
/// FLOWS1000–1999: deployment file and plan errors. FLOWS3000–3099 belong to the CLI, FLOWS3500–3599 to publishing (Publishing/PublishDiagnosticCodes.cs); all ranges are listed in docs/DESIGN.md.</summary>
public static class DiagnosticCodes
{
    public const string YamlInvalid = "FLOWS1001"; // also YamlDocumentLoader.ParseErrorCode
    public const string SchemaViolation = "FLOWS1002";
    public const string TemplateMissingEnv = "FLOWS1101";
    public const string TemplateMissingOutput = "FLOWS1102";
    public const string TemplateAmbiguousKey = "FLOWS1103";
    public const string TemplateBlockRefused = "FLOWS1104";
    public const string NoDeploymentMatches = "FLOWS1201";
    public const string ManifestMissing = "FLOWS1301";
    public const string ManifestInvalid = "FLOWS1302";
    public const string EntrypointUnresolved = "FLOWS1303";
    public const string ManifestNotBuilt = "FLOWS1304";
    public const string ParameterUnknown = "FLOWS1311";
    public const string ParameterInvalid = "FLOWS1312";
    public const string ParameterMissing = "FLOWS1313";
    public const string StepUnknown = "FLOWS1401";
    public const string StepInvalid = "FLOWS1402";
    public const string StepFailed = "FLOWS1403";
    public const string GitUnavailable = "FLOWS1404";
    public const string StepWarning = "FLOWS1405";
    public const string PullStepUnknown = "FLOWS1406";
    public const string ShellScriptTemplated = "FLOWS1407";
    public const string ProjectNotFound = "FLOWS1501";
    public const string BothSources = "FLOWS1502";
    public const string NoDeployments = "FLOWS1503";
    public const string CsprojInvalid = "FLOWS1504";
    public const string CsprojMetadataInvalid = "FLOWS1505";
    public const string DeploymentInvalid = "FLOWS1601";
    public const string KeyIgnored = "FLOWS1604";
    public const string ScheduleInvalid = "FLOWS1605";
    public const string NoWorkPool = "FLOWS1703";
    public const string DuplicateDeployment = "FLOWS1602";
    public const string OverrideInvalid = "FLOWS1603";
    public const string WorkPoolUnchecked = "FLOWS1701";
    public const string WorkPoolMissing = "FLOWS1702";
}
