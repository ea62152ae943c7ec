using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using Flows.Api.Models;
using Flows.Server.WorkPools;
using Flows.Workers.Docker;

namespace Flows.Workers.Tests.Docker;

/// <summary>
/// The real server (through <see cref="WorkerFixture"/>) and the real Docker Engine with the registries
/// <c>.ci/registry.sh</c> starts. A missing Engine or registry fails the tests with what to start; nothing is skipped.
/// </summary>
public sealed class DockerFixture : IAsyncLifetime
{
    /// <summary>The .NET runtime image registry.sh builds offline (has sh and dotnet).</summary>
    public const string RuntimeImage = "localhost:5000/dotnet/runtime:10.0";

    public WorkerFixture Server { get; } = new();

    public DockerClient Docker { get; } = DockerInfrastructure.CreateClient();

    /// <summary>The password of user AWS on localhost:5001 (written by registry.sh).</summary>
    public string AwsPassword { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        try
        {
            await Docker.System.PingAsync();
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Net.Sockets.SocketException)
        {
            throw new InvalidOperationException($"Docker Engine not reachable at {Docker.Options.Endpoint} ({e.Message}): run `bash .ci/registry.sh && bash .ci/docker.sh` as root, or set DOCKER_HOST.", e);
        }

        var ciDir = Environment.GetEnvironmentVariable("FLOWS_CI_DIR") is { Length: > 0 } d ? d : "/var/tmp/flows-ci";
        var passwordFile = Path.Combine(ciDir, "registry", "aws-password");
        if (!File.Exists(passwordFile))
        {
            throw new InvalidOperationException($"{passwordFile} is missing: run `bash .ci/registry.sh` (registries on localhost:5000/5001 with the .NET base images).");
        }

        AwsPassword = (await File.ReadAllTextAsync(passwordFile)).Trim();
        await Server.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Docker.Dispose();
    }

    public async Task CreateDockerPoolAsync(string name) =>
        await Server.Client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = name, Type = "docker", BaseJobTemplate = BaseJobTemplates.ForType("docker") });

    /// <summary>A deployment on <paramref name="pool"/> with the given job variables (JSON object).</summary>
    public async Task<Guid> DeployAsync(string pool, string flowName, string jobVariablesJson, string? entrypoint = null, string? parametersJson = null)
    {
        var flow = await Server.Client.Flows.CreateFlowAsync(new FlowCreate { Name = flowName });
        var deployment = await Server.Client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "d-" + Guid.NewGuid().ToString("N")[..8],
            FlowId = flow.Id,
            WorkPoolName = pool,
            Entrypoint = entrypoint,
            JobVariables = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(jobVariablesJson),
            Parameters = parametersJson is null ? null : JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(parametersJson),
        });
        return deployment.Id;
    }

    /// <summary>Whether a container with this id still exists on the Engine.</summary>
    public async Task<bool> ContainerExistsAsync(string id)
    {
        try
        {
            await Docker.Containers.InspectContainerAsync(id);
            return true;
        }
        catch (DockerContainerNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Builds an image of the hello app (runtime image + the built app + its own entrypoint, as a
    /// <c>dockerfile:</c> deploy makes) with the Engine, pushes it to localhost:5000, and removes the local copy
    /// so that a run has to pull it from the registry. Returns the image reference.
    /// </summary>
    public Task<string> PushHelloImageAsync() => PushAppImageAsync(WorkerFixture.HelloApp, "hello");

    /// <summary>The same for any built flows app (<paramref name="appDll"/>): its folder in /app, <c>dotnet /app/&lt;dll&gt;</c> as the entrypoint.</summary>
    public Task<string> PushAppImageAsync(string appDll, string repository) => Flows.Testing.AppImage.PushAsync(Docker, appDll, repository, Server.Home);

    /// <summary>The digest localhost:5000 serves for <paramref name="repository"/>:<paramref name="tag"/>.</summary>
    public async Task<string> ManifestDigestAsync(string repository, string tag)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Head, $"http://127.0.0.1:5000/v2/{repository}/manifests/{tag}");
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return response.Headers.GetValues("Docker-Content-Digest").Single();
    }

    /// <summary>The containers (running or not) labelled with this flow run's id.</summary>
    public async Task<IList<ContainerListResponse>> ContainersOfRunAsync(Guid flowRunId) =>
        await Docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"prefect.io/flow-run-id={flowRunId}"] = true } },
        });

    /// <summary>Removes a local image so the next run must pull it (absent is fine).</summary>
    public async Task RemoveImageAsync(string image)
    {
        try
        {
            await Docker.Images.DeleteImageAsync(image, new ImageDeleteParameters { Force = true });
        }
        catch (DockerImageNotFoundException)
        {
            // Not there: nothing to remove.
        }
    }
}
