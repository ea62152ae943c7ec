using Flows.Deploy.Publishing;

namespace Flows.Deploy.Engine;

/// <summary>How the engine publishes a plan's images, bound from flags (flows-deploy) or MSBuild properties (Flows.Build).</summary>
public sealed record DeployOptions
{
    /// <summary>Registry access (ECR: create a missing repository).</summary>
    public RegistryAccessOptions Access { get; init; } = new();

    /// <summary>Tags pushed besides each image's own (<c>FlowsContainerExtraTags</c>).</summary>
    public IReadOnlyList<string> ExtraTags { get; init; } = [];

    /// <summary>The commit the images are tagged with, when the caller computed it (the MSBuild path): a tag equal to a
    /// clean commit's names fixed content, and image.json records it.</summary>
    public ImageTag? Commit { get; init; }

    /// <summary>Where image.json and deployments.json go (<c>obj/&lt;Configuration&gt;/flows</c>); null writes none.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Build output lines (a child <c>dotnet publish</c>, the Docker Engine's build stream).</summary>
    public IProgress<string>? Progress { get; init; }
}
