using Flows.Deploy.ImageSources;
using Flows.Deploy.Planning;
using Flows.Deploy.Publishing;

namespace Flows.Deploy.Engine;

/// <summary>A plan whose every image passed the checks (name, tags, a source that makes it), with the digest of the ones
/// the registry already has (<see cref="CheckedImage.ExistingDigest"/>: reused, not made again).</summary>
public sealed record CheckedDeploy(DeployRequest Request, DeploymentPlan Plan, IReadOnlyList<CheckedImage> Images, DeployOptions Options);

/// <summary>One distinct image of a deploy, ready to be obtained from <see cref="Source"/> and pushed under <see cref="Tags"/>.</summary>
public sealed record CheckedImage(PlannedImage Image, ImageName Name, IReadOnlyList<string> Tags, ImageBuildRequest Request, IImageSource Source, string? ExistingDigest);

/// <summary>What a deploy did: the pinned plan, each image as pushed (or reused), the registered ids in plan order
/// (empty when nothing was registered), and the files written (null when none were asked for).</summary>
public sealed record DeployOutcome(DeploymentPlan Plan, IReadOnlyList<BuiltImage> Images, IReadOnlyList<Guid> DeploymentIds, string? ImageJsonPath, string? DeploymentsJsonPath);
