namespace Flows.Deploy.Publishing;

/// <summary>The registry HTTP API v2 operations a push needs, for one registry (typed seam for tests and for ECR).</summary>
public interface IRegistryClient
{
    /// <summary>The registry host (<c>localhost:5000</c>, <c>123456789012.dkr.ecr.eu-west-1.amazonaws.com</c>).</summary>
    string Registry { get; }

    /// <summary><c>HEAD /v2/{repository}/manifests/{reference}</c>: the manifest digest, or null when it does not exist.</summary>
    Task<string?> HeadManifestAsync(string repository, string reference, CancellationToken cancellationToken = default);

    /// <summary><c>HEAD /v2/{repository}/blobs/{digest}</c>.</summary>
    Task<bool> BlobExistsAsync(string repository, string digest, CancellationToken cancellationToken = default);

    /// <summary>Monolithic upload: <c>POST …/blobs/uploads/</c>, then <c>PUT {location}?digest=…</c>.</summary>
    Task UploadBlobAsync(string repository, string digest, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary><c>PUT /v2/{repository}/manifests/{reference}</c>; returns the digest the registry computed.</summary>
    Task<string> PutManifestAsync(string repository, string reference, string mediaType, ReadOnlyMemory<byte> manifest, CancellationToken cancellationToken = default);
}

/// <summary>A registry answered with something a push cannot continue from. <see cref="Code"/> is a FLOWS35xx code.</summary>
public sealed class RegistryException(string code, string message, string fix, Exception? inner = null) : Exception(message, inner)
{
    public string Code { get; } = code;

    public string Fix { get; } = fix;
}
