using System.Text.Json.Serialization;

namespace Flows.Deploy.Planning;

/// <summary>An image the deploy builds once (however many deployments use it). <c>dockerfile: auto</c> means the
/// .NET SDK's container publish of <see cref="Project"/>; a path means a Docker Engine build.</summary>
public sealed record PlannedImage(
    [property: JsonPropertyName("image_name")] string ImageName,
    [property: JsonPropertyName("tag")] string Tag,
    [property: JsonPropertyName("platform")] string? Platform,
    [property: JsonPropertyName("project")] string? Project,
    [property: JsonPropertyName("dockerfile")] string Dockerfile)
{
    /// <summary><c>image_name:tag</c>, the value deployments receive as <c>job_variables.image</c>.</summary>
    [JsonIgnore]
    public string Reference => $"{ImageName}:{Tag}";
}
