namespace Flows.Deploy.Diagnostics;

/// <summary>Every code the deploy engine reports, in one place (a test keeps them unique).
/// FLOWS1000–1999: deployment file and plan errors. FLOWS3000–3999 belong to the CLI.</summary>
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
}
