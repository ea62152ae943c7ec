using System.Text;
using Flows.Testing;
using Flows.Workers.Docker;

namespace Flows.Workers.Tests.Docker;

/// <summary>How image references split (as <c>docker pull</c> reads them) and where pull credentials come from.</summary>
public sealed class ImageReferenceAndCredentialsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "flows-docker-config-" + Guid.NewGuid().ToString("N"));

    public ImageReferenceAndCredentialsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("hello", "docker.io", "hello", null, null, "latest")]
    [InlineData("library/hello:1.0", "docker.io", "library/hello", "1.0", null, "1.0")]
    [InlineData("localhost:5000/hello:abc1234", "localhost:5000", "hello", "abc1234", null, "abc1234")]
    [InlineData("localhost/team/hello", "localhost", "team/hello", null, null, "latest")]
    [InlineData("123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello:abc1234@sha256:ab", "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "hello", "abc1234", "sha256:ab", "sha256:ab")]
    public void References_split_like_docker_pull(string image, string registry, string repository, string? tag, string? digest, string pullTag)
    {
        var reference = ImageReference.Parse(image);

        Assert.Equal(new ImageReference(registry, repository, tag, digest), reference);
        Assert.Equal(pullTag, reference.PullTag);
    }

    [Fact]
    public void The_pull_repository_names_the_registry_except_for_docker_hub()
    {
        Assert.Equal("localhost:5000/hello", ImageReference.Parse("localhost:5000/hello:1").FromImage);
        Assert.Equal("library/hello", ImageReference.Parse("library/hello:1").FromImage);
    }

    [Fact]
    public async Task Auths_entries_give_the_registrys_user_and_password()
    {
        var path = Write($$"""{ "auths": { "localhost:5001": { "auth": "{{Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:s3cr:et"))}}" } } }""");

        var auth = await new DockerConfigCredentials(path).GetAsync("localhost:5001");

        Assert.NotNull(auth);
        Assert.Equal("AWS", auth.Username);
        Assert.Equal("s3cr:et", auth.Password);
        Assert.Equal("localhost:5001", auth.ServerAddress);
    }

    [Fact]
    public async Task Docker_hub_credentials_are_found_under_the_v1_url_the_cli_writes()
    {
        var path = Write("""{ "auths": { "https://index.docker.io/v1/": { "username": "me", "password": "pw" } } }""");

        var auth = await new DockerConfigCredentials(path).GetAsync(ImageReference.DockerHub);

        Assert.Equal("me", auth?.Username);
    }

    [Fact]
    public async Task Other_registries_and_a_missing_config_pull_anonymously()
    {
        var path = Write("""{ "auths": { "localhost:5001": { "auth": "QVdTOng=" } } }""");

        Assert.Null(await new DockerConfigCredentials(path).GetAsync("localhost:5000"));
        Assert.Null(await new DockerConfigCredentials(Path.Combine(_dir, "missing.json")).GetAsync("localhost:5001"));
    }

    [Fact]
    public async Task Keys_match_on_their_host_part_and_identity_tokens_stay_tokens()
    {
        var path = Write($$"""
            { "auths": {
                "http://localhost:5001/v1/": { "auth": "{{Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:pw"))}}" },
                "https://ghcr.io": { "identitytoken": "refresh-token" } } }
            """);
        var credentials = new DockerConfigCredentials(path);

        Assert.Equal("AWS", (await credentials.GetAsync("localhost:5001"))?.Username);
        var token = await credentials.GetAsync("ghcr.io");
        Assert.Equal(("refresh-token", (string?)null, "ghcr.io"), (token?.IdentityToken, token?.Password, token?.ServerAddress));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_credential_helper_is_asked_with_the_registry_on_stdin()
    {
        // A real helper executable, speaking the docker-credential-helpers protocol, on the PATH the credentials are given.
        using var helpers = new FakeCredentialHelpers();
        helpers.Answering("flowstest", "from-helper");
        var path = Write("""{ "credHelpers": { "localhost:5001": "flowstest" } }""");

        var auth = await new DockerConfigCredentials(path, environment: HelpersOnPath(helpers)).GetAsync("localhost:5001");

        Assert.Equal("from-helper", auth?.Username);
        Assert.Equal("localhost:5001-secret", auth?.Password);
        Assert.Equal(["localhost:5001"], helpers.Asked("flowstest"));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_helper_that_hangs_means_an_anonymous_pull_and_a_warning()
    {
        using var helpers = new FakeCredentialHelpers();
        helpers.Hanging("stuck");
        var path = Write("""{ "credsStore": "stuck" }""");
        var warnings = new List<string>();

        var auth = await new DockerConfigCredentials(path, warnings.Add, HelpersOnPath(helpers), TimeSpan.FromSeconds(1)).GetAsync("localhost:5001");

        Assert.Null(auth);
        Assert.Contains("docker-credential-stuck", Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_helper_that_cannot_run_and_a_config_that_is_not_json_are_coded_run_errors()
    {
        using var helpers = new FakeCredentialHelpers();
        var missing = await Assert.ThrowsAsync<DockerJobException>(() =>
            new DockerConfigCredentials(Write("""{ "credsStore": "absent" }"""), environment: HelpersOnPath(helpers)).GetAsync("localhost:5001"));
        var notJson = await Assert.ThrowsAsync<DockerJobException>(() =>
            new DockerConfigCredentials(Write("""{ "auths": { "localhost:5001": { "auth": s3cret """)).GetAsync("localhost:5001"));

        Assert.StartsWith($"{DockerDiagnosticCodes.CredentialHelperFailed}: ", missing.Message, StringComparison.Ordinal);
        Assert.Contains("docker-credential-absent", missing.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{DockerDiagnosticCodes.DockerConfigUnreadable}: ", notJson.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", notJson.Message, StringComparison.Ordinal);
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static Func<string, string?> HelpersOnPath(FakeCredentialHelpers helpers) => name => name == "PATH" ? helpers.Directory : null;

    private string Write(string json)
    {
        var path = Path.Combine(_dir, "config.json");
        File.WriteAllText(path, json);
        return path;
    }
}
