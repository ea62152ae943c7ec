using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Text.Json.Nodes;
using Flows.Deploy.ImageSources;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Docker;
using Flows.Deploy.Planning;
using Flows.Deploy.Publishing;
using Flows.Deploy.Tests.Publishing;

namespace Flows.Deploy.Tests.Docker;

/// <summary>Dockerfile builds against the real Docker Engine and registries (no mocks): what lands in the registry is
/// read back over the registry API. Each test uses its own repository, so the tests can run beside others.</summary>
public sealed class DockerfileImageBuilderTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private const string ScratchDockerfile = """
        FROM scratch
        ARG MESSAGE=unset
        LABEL flows.test.message=$MESSAGE
        COPY . /ctx/
        """;

    private readonly List<string> _progress = [];

    [Fact]
    public async Task BuildsWithArgsAndDockerignoreThenPushesEveryTagUnderTheDigestTheRegistryHas()
    {
        var context = Context(ScratchDockerfile, ".dockerignore", "# keep the secret out\nsecret.txt\nlogs\n!logs/keep.log\nDockerfile\n.dockerignore\n");
        var repository = EngineFixture.Repository("args");
        var image = new PlannedImage($"{EngineFixture.Plain}/{repository}", "v1", "linux/amd64", null, "Dockerfile",
            new Dictionary<string, string> { ["MESSAGE"] = "hello-arg" }, ["extra"], IgnoreCache: true);
        try
        {
            var built = await new DockerfileImageBuilder().BuildAndPushAsync(Request(image, context, Env(), tags: ["also"]));

            Assert.Equal($"{EngineFixture.Plain}/{repository}", built.ImageName);
            Assert.Equal("v1", built.Tag);
            Assert.False(built.Skipped);
            Assert.Equal(1, built.BlobsUploaded); // one COPY layer; the other tags find it there
            Assert.Contains(_progress, l => l.StartsWith("Step 4/4 : COPY", StringComparison.Ordinal));
            foreach (var tag in new[] { "v1", "also", "extra" })
            {
                var (digest, _) = await engine.ManifestAsync(EngineFixture.Plain, repository, tag);
                Assert.Equal(built.Digest, digest);
            }

            var (_, manifest) = await engine.ManifestAsync(EngineFixture.Plain, repository, "v1");
            var configDigest = manifest["config"]!["digest"]!.GetValue<string>();
            Assert.Equal(configDigest, built.ImageId); // the Engine's image id is the config's digest
            var config = JsonNode.Parse(await engine.BlobAsync(EngineFixture.Plain, repository, configDigest))!;
            Assert.Equal("hello-arg", config["config"]!["Labels"]!["flows.test.message"]!.GetValue<string>());
            Assert.Equal("amd64", config["architecture"]!.GetValue<string>());

            var files = await LayerFilesAsync(EngineFixture.Plain, repository, manifest);
            Assert.Contains("ctx/keep.txt", files);
            Assert.Contains("ctx/sub/nested.txt", files);
            Assert.Contains("ctx/logs/keep.log", files);
            Assert.DoesNotContain("ctx/secret.txt", files);
            Assert.DoesNotContain("ctx/logs/other.log", files);
            // Sent (the build needed it) but excluded, so the Engine leaves them out of COPY, as with the docker CLI.
            Assert.DoesNotContain("ctx/Dockerfile", files);
            Assert.DoesNotContain("ctx/.dockerignore", files);
        }
        finally
        {
            await RemoveAsync(image, "also", "extra");
        }
    }

    [Fact]
    public async Task PushesToTheAuthenticatedRegistryWithCredentialsFromTheEnvironment()
    {
        var context = Context(ScratchDockerfile);
        var repository = EngineFixture.Repository("auth");
        var image = new PlannedImage($"{EngineFixture.Authenticated}/{repository}", "v1", "linux/amd64", null, "Dockerfile");
        try
        {
            var built = await new DockerfileImageBuilder().BuildAndPushAsync(Request(image, context, Env(
                ("DOTNET_CONTAINER_REGISTRY_UNAME", "AWS"), ("DOTNET_CONTAINER_REGISTRY_PWORD", engine.AwsPassword))));
            var (digest, _) = await engine.ManifestAsync(EngineFixture.Authenticated, repository, "v1");
            Assert.Equal(digest, built.Digest);
        }
        finally
        {
            await RemoveAsync(image);
        }
    }

    [Fact]
    public async Task AWrongPasswordIsOneClearErrorWithoutThePassword()
    {
        var context = Context(ScratchDockerfile);
        var image = new PlannedImage($"{EngineFixture.Authenticated}/{EngineFixture.Repository("wrong")}", "v1", null, null, "Dockerfile");
        var password = "wrong-" + Guid.NewGuid().ToString("N");
        try
        {
            var e = await Assert.ThrowsAsync<DeployException>(() => new DockerfileImageBuilder().BuildAndPushAsync(Request(image, context, Env(
                ("DOTNET_CONTAINER_REGISTRY_UNAME", "AWS"), ("DOTNET_CONTAINER_REGISTRY_PWORD", password)))));
            var diagnostic = Assert.Single(e.Diagnostics);
            Assert.Equal(PublishDiagnosticCodes.RegistryAuthFailed, diagnostic.Code);
            Assert.Contains(EngineFixture.Authenticated, diagnostic.Message);
            Assert.Contains("'AWS'", diagnostic.Message);
            Assert.DoesNotContain(password, e.ToString());
            Assert.DoesNotContain(password, diagnostic.ToString());
            Assert.DoesNotContain(password, string.Join('\n', _progress));
        }
        finally
        {
            await RemoveAsync(image);
        }
    }

    [Fact]
    public async Task AFailingRunStepIsABuildErrorNamingTheStepWithTheEnginesMessage()
    {
        var context = Context($"FROM {EngineFixture.Plain}/dotnet/runtime-deps:10.0\nRUN echo building\nRUN exit 3\n");
        var image = new PlannedImage($"{EngineFixture.Plain}/{EngineFixture.Repository("fails")}", "v1", "linux/amd64", null, "Dockerfile");
        try
        {
            var e = await Assert.ThrowsAsync<DeployException>(() => new DockerfileImageBuilder().BuildAndPushAsync(Request(image, context, Env())));
            var diagnostic = Assert.Single(e.Diagnostics);
            Assert.Equal(DockerDiagnosticCodes.BuildFailed, diagnostic.Code);
            Assert.Contains("Step 3/3 (RUN exit 3)", diagnostic.Message);
            Assert.Contains("returned a non-zero code: 3", diagnostic.Message);
            Assert.False(e.BadInput);
        }
        finally
        {
            await RemoveAsync(image);
        }
    }

    [Fact]
    public async Task AnUnknownInstructionIsABuildErrorWithTheEnginesMessage()
    {
        var context = Context("FROM scratch\nFROBNICATE everything\n");
        var image = new PlannedImage($"{EngineFixture.Plain}/{EngineFixture.Repository("unknown")}", "v1", null, null, "Dockerfile");
        var e = await Assert.ThrowsAsync<DeployException>(() => new DockerfileImageBuilder().BuildAndPushAsync(Request(image, context, Env())));
        var diagnostic = Assert.Single(e.Diagnostics);
        Assert.Equal(DockerDiagnosticCodes.BuildFailed, diagnostic.Code);
        Assert.Contains("unknown instruction", diagnostic.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("FROBNICATE", diagnostic.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ADockerfileOutsideTheContextIsSentUnderAGeneratedName()
    {
        var context = Context("FROM scratch\n");
        var elsewhere = TestSupport.TempDirectory();
        File.WriteAllText(Path.Combine(elsewhere, "Build.Dockerfile"), "FROM scratch\nCOPY keep.txt /keep.txt\n");
        var repository = EngineFixture.Repository("outside");
        var image = new PlannedImage($"{EngineFixture.Plain}/{repository}", "v1", null, null, Path.GetRelativePath(context, Path.Combine(elsewhere, "Build.Dockerfile")));
        try
        {
            var built = await new DockerfileImageBuilder().BuildAndPushAsync(Request(image, context, Env()));
            var (digest, manifest) = await engine.ManifestAsync(EngineFixture.Plain, repository, "v1");
            Assert.Equal(digest, built.Digest);
            Assert.Equal(["keep.txt"], await LayerFilesAsync(EngineFixture.Plain, repository, manifest));
        }
        finally
        {
            await RemoveAsync(image);
        }
    }

    [Fact]
    public async Task AMissingDockerfileIsBadInput()
    {
        var context = Context(ScratchDockerfile);
        var image = new PlannedImage($"{EngineFixture.Plain}/{EngineFixture.Repository("missing")}", "v1", null, null, "docker/Nope.Dockerfile");
        var e = await Assert.ThrowsAsync<DeployException>(() => new DockerfileImageBuilder().BuildAndPushAsync(Request(image, context, Env())));
        Assert.Equal(DockerDiagnosticCodes.DockerfileMissing, Assert.Single(e.Diagnostics).Code);
        Assert.Contains("docker/Nope.Dockerfile", e.Message);
        Assert.True(e.BadInput);
    }

    [Fact]
    public async Task NoEngineAtDockerHostSaysToStartDocker()
    {
        var context = Context(ScratchDockerfile);
        var image = new PlannedImage($"{EngineFixture.Plain}/{EngineFixture.Repository("noengine")}", "v1", null, null, "Dockerfile");
        var socket = $"unix:///tmp/flows-no-docker-{Guid.NewGuid():N}.sock";
        var e = await Assert.ThrowsAsync<DeployException>(() => new DockerfileImageBuilder().BuildAndPushAsync(Request(image, context, Env(("DOCKER_HOST", socket)))));
        var diagnostic = Assert.Single(e.Diagnostics);
        Assert.Equal(DockerDiagnosticCodes.EngineUnreachable, diagnostic.Code);
        Assert.Contains(socket.Replace("unix://", "", StringComparison.Ordinal), diagnostic.Message);
        Assert.Contains("DOCKER_HOST", diagnostic.Fix);
    }

    [Theory]
    // dockerd gives up on a 429 ("error parsing HTTP 429 response body"): the builder pushes again
    [InlineData("POST", "/blobs/uploads/", HttpStatusCode.TooManyRequests, "trying again")]
    // dockerd retries a layer upload that got a 503 itself ("Retrying in 5 seconds")
    [InlineData("POST", "/blobs/uploads/", HttpStatusCode.ServiceUnavailable, "Retrying in")]
    // but not a manifest PUT: the builder pushes again, and the layer is already there
    [InlineData("PUT", "/manifests/", HttpStatusCode.ServiceUnavailable, "trying again")]
    public async Task OneRefusalFromTheRegistryStillPushes(string method, string path, HttpStatusCode status, string whoRetried)
    {
        await using var proxy = new FaultProxy(EngineFixture.Plain, r => r.HttpMethod == method && r.Url!.AbsolutePath.Contains(path, StringComparison.Ordinal), status);
        var context = Context(ScratchDockerfile);
        var repository = EngineFixture.Repository("fault");
        var image = new PlannedImage($"{proxy.Registry}/{repository}", "v1", null, null, "Dockerfile", new Dictionary<string, string> { ["MESSAGE"] = repository });
        try
        {
            var built = await new DockerfileImageBuilder { RetryDelay = _ => TimeSpan.FromMilliseconds(200) }.BuildAndPushAsync(Request(image, context, Env()));
            Assert.Equal(1, proxy.FaultsInjected);
            Assert.Contains(_progress, l => l.Contains(whoRetried, StringComparison.Ordinal));
            var (digest, _) = await engine.ManifestAsync(EngineFixture.Plain, repository, "v1");
            Assert.Equal(digest, built.Digest);
        }
        finally
        {
            await RemoveAsync(image);
        }
    }

    private ImageBuildRequest Request(PlannedImage image, string context, Func<string, string?> environment, IReadOnlyList<string>? tags = null) =>
        new(image, context, null, tags ?? [], environment, new RegistryAccessOptions(), new SyncProgress(_progress));

    /// <summary>Only what the test sets (HOME points at an empty directory, so no docker config on this machine is read).</summary>
    private static Func<string, string?> Env(params (string Name, string Value)[] variables)
    {
        var values = variables.ToDictionary(v => v.Name, v => v.Value);
        values["HOME"] = TestSupport.TempDirectory();
        return name => values.GetValueOrDefault(name);
    }

    private static string Context(string dockerfile, params string[] extra)
    {
        var dir = TestSupport.TempDirectory();
        File.WriteAllText(Path.Combine(dir, "Dockerfile"), dockerfile);
        File.WriteAllText(Path.Combine(dir, "keep.txt"), "kept");
        File.WriteAllText(Path.Combine(dir, "secret.txt"), "must not be sent");
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        File.WriteAllText(Path.Combine(dir, "sub", "nested.txt"), "nested");
        Directory.CreateDirectory(Path.Combine(dir, "logs"));
        File.WriteAllText(Path.Combine(dir, "logs", "keep.log"), "kept log");
        File.WriteAllText(Path.Combine(dir, "logs", "other.log"), "ignored log");
        for (var i = 0; i + 1 < extra.Length; i += 2)
        {
            File.WriteAllText(Path.Combine(dir, extra[i]), extra[i + 1]);
        }

        return dir;
    }

    private async Task<HashSet<string>> LayerFilesAsync(string registry, string repository, JsonObject manifest)
    {
        var files = new HashSet<string>(StringComparer.Ordinal);
        foreach (var layer in manifest["layers"]!.AsArray())
        {
            var blob = await engine.BlobAsync(registry, repository, layer!["digest"]!.GetValue<string>());
            using var gzip = new GZipStream(new MemoryStream(blob), CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                files.Add(entry.Name.TrimStart('.', '/').TrimEnd('/'));
            }
        }

        return files;
    }

    private async Task RemoveAsync(PlannedImage image, params string[] extraTags)
    {
        foreach (var tag in extraTags.Prepend(image.Tag))
        {
            await engine.RemoveLocalAsync($"{image.ImageName}:{tag}");
        }
    }

    /// <summary>Records lines as they come (Progress&lt;T&gt; would post them later).</summary>
    private sealed class SyncProgress(List<string> lines) : IProgress<string>
    {
        public void Report(string value)
        {
            lock (lines)
            {
                lines.Add(value);
            }
        }
    }
}
