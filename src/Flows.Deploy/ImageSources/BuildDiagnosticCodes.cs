namespace Flows.Deploy.ImageSources;

/// <summary>Codes for the image sources and the CLI's builds (FLOWS3590–3599, inside the publish range; see PublishDiagnosticCodes).</summary>
public static class BuildDiagnosticCodes
{
    /// <summary>dockerfile: auto without a project file to publish.</summary>
    public const string NoProject = "FLOWS3590";

    /// <summary>The image build (dotnet publish or the Docker Engine) failed.</summary>
    public const string BuildFailed = "FLOWS3591";

    /// <summary>No builder takes the image step (e.g. a Dockerfile without the Docker builder).</summary>
    public const string NoBuilder = "FLOWS3592";

    /// <summary>The implicit <c>dotnet build</c> of the project before planning failed.</summary>
    public const string ProjectBuildFailed = "FLOWS3594";
}
