using Docker.DotNet;

namespace Flows.Kubernetes.Fake;

/// <summary>How to start a <see cref="FakeKubernetesApiServer"/>; the defaults are the plain test-driven fake.</summary>
public sealed record FakeApiServerOptions
{
    /// <summary>Namespaces that exist from the start, besides "default".</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];

    /// <summary>How many changes are kept for watches resuming from a resourceVersion.</summary>
    public int WatchHistory { get; init; } = 1000;

    /// <summary>
    /// Authenticate bearer tokens (the admin token, service-account tokens) and authorize every request with the
    /// Roles, ClusterRoles and bindings stored in the fake; 401 for an unknown token, 403 with the API server's message.
    /// </summary>
    public bool Rbac { get; init; }

    /// <summary>Run every pod as a container on this Docker Engine (a node), instead of waiting for the test to move it.</summary>
    public IDockerClient? DockerNode { get; init; }

    /// <summary>The loopback port to listen on (0: any free one).</summary>
    public int Port { get; init; }
}
