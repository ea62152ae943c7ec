using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Deploy.ImageSources;
using Flows.Deploy.Planning;
using Flows.Deploy.Publishing;

namespace Flows.Deploy.Engine;

/// <summary>The deploy's record for tools and CI: <c>image.json</c> (the project's image as pushed) and
/// <c>deployments.json</c> (the pinned plan, the exact API bodies).</summary>
public static class PublishedFiles
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<(string ImageJson, string DeploymentsJson)> WriteAsync(string directory, DeploymentPlan plan, IReadOnlyList<CheckedImage> images, IReadOnlyList<BuiltImage> built,
        ImageTag? commit, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var imageJson = Path.Combine(directory, "image.json");
        // The MSBuild path publishes one image; a deploy of several records the first (deployments.json has them all).
        if (images.Count > 0)
        {
            var (image, pushed) = (images[0], built[0]);
            await File.WriteAllTextAsync(imageJson, new JsonObject
            {
                ["image"] = pushed.Reference,
                ["registry"] = image.Name.Registry,
                ["repository"] = image.Name.Repository,
                ["digest"] = pushed.Digest,
                ["tags"] = new JsonArray(image.Tags.Select(t => (JsonNode)t).ToArray()),
                ["git_sha"] = commit?.Sha,
                ["dirty"] = commit?.Dirty,
                ["sha_source"] = commit?.Source,
                ["pushed"] = !pushed.Skipped,
                ["blobs_uploaded"] = pushed.BlobsUploaded,
            }.ToJsonString(Indented), cancellationToken).ConfigureAwait(false);
        }

        var deploymentsJson = Path.Combine(directory, "deployments.json");
        await File.WriteAllTextAsync(deploymentsJson, PlanJson.Write(plan), cancellationToken).ConfigureAwait(false);
        return (imageJson, deploymentsJson);
    }
}
