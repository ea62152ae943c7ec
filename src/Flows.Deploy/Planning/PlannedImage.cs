using System.Text.Json.Serialization;

namespace Flows.Deploy.Planning;

/// <summary>An image the deploy builds once (however many deployments use it). <c>dockerfile: auto</c> means the
/// .NET SDK's container publish of <see cref="Project"/>; a path means a Docker Engine build. <see cref="BuildArgs"/>,
/// <see cref="AdditionalTags"/> and <see cref="IgnoreCache"/> are the step's <c>buildargs</c>, <c>additional_tags</c> and
/// <c>ignore_cache</c> (prefect-docker passes them to docker-py's build); null when not given, and then left out of the
/// plan's JSON so plans without them print as before.</summary>
public sealed record PlannedImage(
    [property: JsonPropertyName("image_name")] string ImageName,
    [property: JsonPropertyName("tag")] string Tag,
    [property: JsonPropertyName("platform")] string? Platform,
    [property: JsonPropertyName("project")] string? Project,
    [property: JsonPropertyName("dockerfile")] string Dockerfile,
    [property: JsonPropertyName("build_args"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string>? BuildArgs = null,
    [property: JsonPropertyName("additional_tags"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? AdditionalTags = null,
    [property: JsonPropertyName("ignore_cache"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? IgnoreCache = null)
{
    /// <summary>Where the image step ran: the build context (relative Dockerfile paths start there) and the project file
    /// <c>dockerfile: auto</c> publishes. Not part of the plan's JSON nor of the image's identity.</summary>
    [JsonIgnore]
    public ImageContext? Context { get; init; }

    /// <summary>The value <c>dockerfile</c> takes for the SDK's container publish.</summary>
    public const string AutoDockerfile = "auto";

    /// <summary><c>image_name:tag</c>, the value deployments receive as <c>job_variables.image</c>.</summary>
    [JsonIgnore]
    public string Reference => $"{ImageName}:{Tag}";

    /// <summary>Whether the SDK's container publish builds this image (rather than a Docker Engine build).</summary>
    [JsonIgnore]
    public bool IsAuto => string.Equals(Dockerfile, AutoDockerfile, StringComparison.OrdinalIgnoreCase);

    // Value equality over the collections too: the recorder keeps "the same image planned twice" once, and two steps
    // with equal build args are the same image even though their dictionaries are different objects.
    public bool Equals(PlannedImage? other) => other is not null
        && ImageName == other.ImageName && Tag == other.Tag && Platform == other.Platform && Project == other.Project
        && Dockerfile == other.Dockerfile && IgnoreCache == other.IgnoreCache
        && SameArgs(BuildArgs, other.BuildArgs)
        && (AdditionalTags is null ? other.AdditionalTags is null : other.AdditionalTags is not null && AdditionalTags.SequenceEqual(other.AdditionalTags));

    public override int GetHashCode() => HashCode.Combine(ImageName, Tag, Platform, Project, Dockerfile, IgnoreCache, BuildArgs?.Count, AdditionalTags?.Count);

    private static bool SameArgs(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b) =>
        a is null ? b is null : b is not null && a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
}

/// <summary>The directory an image step ran in and the project it ran for.</summary>
public sealed record ImageContext(string Directory, string? ProjectFile);
