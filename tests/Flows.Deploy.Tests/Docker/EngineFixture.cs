using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Flows.Deploy.Tests.Docker;

/// <summary>
/// The real Docker Engine and the real registries `.ci/services.sh` starts (registry.sh: plain localhost:5000, htpasswd
/// localhost:5001 with user AWS; docker.sh: dockerd with both as insecure registries). Missing services fail every test
/// that uses this fixture, with what to start: these tests are never skipped.
/// </summary>
public sealed class EngineFixture : IAsyncLifetime
{
    public const string Plain = "localhost:5000";
    public const string Authenticated = "localhost:5001";

    public DockerClient Docker { get; } = new DockerClientBuilder().Build();

    public HttpClient Http { get; } = new();

    public string AwsPassword { get; private set; } = "";

    public async Task InitializeAsync()
    {
        try
        {
            await Docker.System.PingAsync();
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Net.Sockets.SocketException)
        {
            throw new InvalidOperationException($"Docker Engine not reachable at {Docker.Options.Endpoint} ({e.Message}): run `bash .ci/services.sh` (or .ci/registry.sh and .ci/docker.sh) as root, or set DOCKER_HOST.", e);
        }

        foreach (var (registry, expected) in new[] { (Plain, HttpStatusCode.OK), (Authenticated, HttpStatusCode.Unauthorized) })
        {
            HttpStatusCode? status = null;
            try
            {
                status = (await Http.GetAsync($"http://{registry}/v2/")).StatusCode;
            }
            catch (HttpRequestException)
            {
            }

            if (status != expected)
            {
                throw new InvalidOperationException($"registry {registry} answered {status?.ToString() ?? "nothing"} to /v2/, not {expected}: run `bash .ci/registry.sh` as root.");
            }
        }

        var ciDir = Environment.GetEnvironmentVariable("FLOWS_CI_DIR") is { Length: > 0 } d ? d : "/var/tmp/flows-ci";
        var passwordFile = Path.Combine(ciDir, "registry", "aws-password");
        if (!File.Exists(passwordFile))
        {
            throw new InvalidOperationException($"{passwordFile} is missing: run `bash .ci/registry.sh`.");
        }

        AwsPassword = (await File.ReadAllTextAsync(passwordFile)).Trim();
    }

    public Task DisposeAsync()
    {
        Docker.Dispose();
        Http.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A repository name no other test uses.</summary>
    public static string Repository(string what) => $"flows-test/{what}-{Guid.NewGuid():N}"[..40];

    /// <summary><c>GET /v2/{repository}/manifests/{tag}</c>: the registry's digest and the manifest.</summary>
    public async Task<(string Digest, JsonObject Manifest)> ManifestAsync(string registry, string repository, string tag)
    {
        using var request = Authorized(HttpMethod.Get, $"http://{registry}/v2/{repository}/manifests/{tag}", registry);
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var digest = response.Headers.GetValues("Docker-Content-Digest").Single();
        return (digest, (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    public async Task<byte[]> BlobAsync(string registry, string repository, string digest)
    {
        using var request = Authorized(HttpMethod.Get, $"http://{registry}/v2/{repository}/blobs/{digest}", registry);
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>Removes the Engine's local tags of a test image (the registry copy is what the tests check).</summary>
    public async Task RemoveLocalAsync(string image)
    {
        try
        {
            await Docker.Images.DeleteImageAsync(image, new ImageDeleteParameters { Force = true });
        }
        catch (DockerApiException)
        {
        }
    }

    private HttpRequestMessage Authorized(HttpMethod method, string url, string registry)
    {
        var request = new HttpRequestMessage(method, url);
        if (registry == Authenticated)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"AWS:{AwsPassword}")));
        }

        return request;
    }
}
