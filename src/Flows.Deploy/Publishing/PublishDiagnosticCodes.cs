namespace Flows.Deploy.Publishing;

/// <summary>Codes for the publish path (image tag, registry, push, emitted files, registration after a push) and the
/// build-time validation of deployments (ValidateDeployments):
/// FLOWS3500–3599. FLOWS3000–3099 are the CLI's own (Flows.Cli.CliDiagnosticCodes); a test keeps all codes unique.</summary>
public static class PublishDiagnosticCodes
{
    public const string NoCommit = "FLOWS3501";
    public const string DirtyTree = "FLOWS3502";
    public const string DirtyTreeRefused = "FLOWS3503";
    public const string NoImageName = "FLOWS3504";
    public const string ImageNameInvalid = "FLOWS3505";
    public const string SeveralImages = "FLOWS3506";
    public const string TagInvalid = "FLOWS3507";
    public const string RegistryUnreachable = "FLOWS3510";
    public const string RegistryAuthFailed = "FLOWS3511";
    public const string RegistryError = "FLOWS3512";
    public const string ArchiveInvalid = "FLOWS3513";
    public const string DigestMismatch = "FLOWS3514";
    public const string CredentialDestinationRefused = "FLOWS3515";
    public const string NoServer = "FLOWS3520";
    public const string RegistrationFailed = "FLOWS3521";
    public const string NotPrepared = "FLOWS3522"; // FlowsCompletePublish found no plan of FlowsPreparePublish in the build
    public const string MSBuildTooOld = "FLOWS3530";
    public const string NotAnExe = "FLOWS3531";
    public const string PackageMissing = "FLOWS3532"; // reported by the samples' csproj, before the package exists
    public const string ValidationCrashed = "FLOWS3533"; // ValidateDeployments (plain and design-time builds) failed unexpectedly
    public const string AotNotLinuxX64 = "FLOWS3534"; // Flows.Build.targets: PublishAot=true compiled for another RID than the image's linux-x64

    // Amazon ECR (Flows.Deploy/Aws): 3540–3569.
    public const string AwsConfigurationInvalid = "FLOWS3540";
    public const string EcrCredentialsRefused = "FLOWS3541";
    public const string EcrTokenRefused = "FLOWS3542";
    public const string EcrApiError = "FLOWS3543";
    public const string EcrCreateRepositoryFailed = "FLOWS3544";
}
