using Flows.Deploy.Aws;
using Microsoft.Extensions.Logging;

namespace Flows.Deploy.Publishing;

/// <summary>Per-publish choices about registry access (<c>FlowsCreateRepository</c>).</summary>
public sealed record RegistryAccessOptions
{
    /// <summary>ECR: create the repository when it is missing (default true).</summary>
    public bool CreateRepository { get; init; } = true;
}

/// <summary>
/// Chooses how to authenticate to a registry, in one place. An Amazon ECR host (<see cref="EcrRegistryHost"/>) with AWS
/// credentials (<see cref="AwsCredentialChain"/>) gets ECR's own token (<see cref="EcrRegistryAccess"/>); anything else,
/// or ECR without AWS credentials, gets what <see cref="RegistryCredentials"/> finds the SDK's way (its variables, docker
/// config, credential helpers such as <c>docker-credential-ecr-login</c>).
/// </summary>
public static class RegistryAccessFactory
{
    /// <summary>TEST ONLY: where requests for an ECR registry host really go (e.g. <c>http://localhost:5001</c>), so the
    /// tests can push "to ECR" through a local registry. Only ECR hosts are redirected; the image keeps its ECR name.</summary>
    public const string TestEcrRegistryEndpointVariable = "FLOWS_TEST_ECR_REGISTRY_ENDPOINT";

    public static (IRegistryAccess Access, Uri? Endpoint) Create(string registry, Func<string, string?> environment, ILogger logger, RegistryAccessOptions options)
    {
        if (EcrRegistryHost.TryParse(registry) is not { } ecr)
        {
            return (new StaticRegistryAccess(RegistryCredentials.Find(registry, environment, logger)), null);
        }

        Uri? endpoint = null;
        if (environment(TestEcrRegistryEndpointVariable) is { Length: > 0 } mapped)
        {
            endpoint = new Uri(mapped.TrimEnd('/') + "/");
            logger.LogInformation("{Registry} is reached at {Endpoint} ({Variable}, a test-only setting)", registry, endpoint, TestEcrRegistryEndpointVariable);
        }

        AwsCredentialSource? source;
        try
        {
            source = new AwsCredentialChain(environment).Find(ecr.Region);
        }
        catch (AwsException e)
        {
            throw EcrRegistryAccess.ToRegistryException(e, registry);
        }

        if (source is null)
        {
            logger.LogInformation("{Registry} is Amazon ECR, but no AWS credentials are set: using docker's credentials for it", registry);
            return (new StaticRegistryAccess(RegistryCredentials.Find(registry, environment, logger)), endpoint);
        }

        return (new EcrRegistryAccess(ecr, source, environment, logger, options), endpoint);
    }
}
