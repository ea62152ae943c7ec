namespace Flows.Deploy.ImageSources;

/// <summary>What a build and push left in the registry. <see cref="ImageId"/>: the Docker Engine's image id (config
/// digest) for Dockerfile builds, as prefect-docker's <c>image_id</c> output; the config digest for SDK builds too.</summary>
public sealed record BuiltImage(string ImageName, string Tag, string Digest, string? ImageId, bool Skipped, int BlobsUploaded)
{
    /// <summary><c>image_name:tag@digest</c>: what deployments run.</summary>
    public string Reference => $"{ImageName}:{Tag}@{Digest}";
}
