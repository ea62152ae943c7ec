namespace Flows.Kubernetes.Fake.Node;

/// <summary>What the kubelet reports as CreateContainerConfigError: a referenced Secret, ConfigMap or key is missing.</summary>
internal sealed class ContainerConfigException(string message) : Exception(message);
