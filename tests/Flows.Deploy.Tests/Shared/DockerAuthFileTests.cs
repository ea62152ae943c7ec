using System.Runtime.Versioning;
using System.Text;
using Flows.Shared;
using Flows.Testing;

namespace Flows.Deploy.Tests.Shared;

/// <summary>
/// The docker auth file reader both the push (Flows.Deploy) and the docker worker's pull (Flows.Workers) use
/// (src/Shared/DockerAuthFile, DockerCredentialHelper): entries, key forms, Docker Hub's names, and the credential-helper
/// protocol against real executables (fake helpers on a search path of the test's own).
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class DockerAuthFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flows-auth-file-").FullName;
    private readonly FakeCredentialHelpers _helpers = new();
    private readonly List<string> _warnings = [];

    public void Dispose()
    {
        _helpers.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private DockerCredentialHelper Helpers(TimeSpan? timeout = null) => new(_helpers.Directory, timeout ?? DockerCredentialHelper.DefaultTimeout, _warnings.Add);

    private string Write(string json)
    {
        var path = Path.Combine(_dir, "config.json");
        File.WriteAllText(path, json);
        return path;
    }

    private Task<DockerCredential?> Find(string json, string registry, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        DockerAuthFile.FindAsync(Write(json), registry, Helpers(timeout), cancellationToken);

    private static string Basic(string userColonPassword) => Convert.ToBase64String(Encoding.UTF8.GetBytes(userColonPassword));

    [Fact]
    public async Task Auths_entries_give_auth_then_username_and_password_then_an_identity_token()
    {
        var json = $$"""
            { "auths": {
                "a.example": { "auth": "{{Basic("AWS:pa:ss")}}" },
                "b.example": { "username": "robot", "password": "pw" },
                "c.example": { "identitytoken": "refresh-token" },
                "d.example": {} } }
            """;

        Assert.Equal(new DockerCredential("AWS", "pa:ss"), await Find(json, "a.example"));
        Assert.Equal(new DockerCredential("robot", "pw"), await Find(json, "b.example"));
        var token = await Find(json, "c.example");
        Assert.True(token!.IsIdentityToken);
        Assert.Equal("refresh-token", token.Secret);
        Assert.Null(await Find(json, "d.example"));
        Assert.Null(await Find(json, "e.example"));
        Assert.DoesNotContain("pa:ss", (await Find(json, "a.example"))!.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("refresh-token", token.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost:5001")]
    [InlineData("https://localhost:5001")]
    [InlineData("http://localhost:5001/v1/")]
    [InlineData("HTTPS://LOCALHOST:5001/v2/")]
    public async Task Keys_match_on_their_host_part(string key)
    {
        var json = $$"""{ "auths": { "{{key}}": { "auth": "{{Basic("AWS:pw")}}" } } }""";

        Assert.Equal("AWS", (await Find(json, "localhost:5001"))?.UserName);
        Assert.Null(await Find(json, "localhost:5000"));
        Assert.Null(await Find(json, "localhost"));
    }

    [Fact]
    public async Task The_key_equal_to_the_registry_wins_over_other_forms_of_it()
    {
        var json = $$"""
            { "auths": {
                "https://localhost:5001/v1/": { "auth": "{{Basic("old:1")}}" },
                "localhost:5001": { "auth": "{{Basic("current:2")}}" } } }
            """;

        Assert.Equal("current", (await Find(json, "localhost:5001"))?.UserName);
    }

    [Theory]
    [InlineData("docker.io", "https://index.docker.io/v1/")]
    [InlineData("registry-1.docker.io", "https://index.docker.io/v1/")]
    [InlineData("index.docker.io", "docker.io")]
    [InlineData("docker.io", "index.docker.io")]
    [InlineData("https://index.docker.io/v1/", "registry-1.docker.io")]
    public async Task Docker_hubs_names_are_one_registry(string registry, string key)
    {
        var json = $$"""{ "auths": { "{{key}}": { "username": "me", "password": "pw" } } }""";

        Assert.Equal("me", (await Find(json, registry))?.UserName);
        Assert.Null(await Find(json, "ghcr.io"));
    }

    [Fact]
    public async Task A_credential_helper_for_the_registry_is_asked_with_its_host_and_its_answer_is_final()
    {
        _helpers.Answering("flowstest", "from-helper");
        _helpers.NotFound("nothing");
        var json = $$"""
            { "credHelpers": { "https://localhost:5001": "flowstest", "localhost:5002": "nothing" },
              "auths": { "localhost:5001": { "auth": "{{Basic("file:pw")}}" }, "localhost:5002": { "auth": "{{Basic("file:pw")}}" } } }
            """;

        Assert.Equal(new DockerCredential("from-helper", "localhost:5001-secret"), await Find(json, "localhost:5001"));
        Assert.Equal(["localhost:5001"], _helpers.Asked("flowstest"));
        Assert.Null(await Find(json, "localhost:5002")); // the CLI does not fall back to auths either
        Assert.Empty(_warnings);
    }

    [Fact]
    public async Task The_creds_store_serves_registries_without_an_entry_and_is_asked_for_docker_hub_by_its_v1_url()
    {
        _helpers.Answering("store", "from-store");
        var json = $$"""{ "auths": { "localhost:5001": { "auth": "{{Basic("file:pw")}}" } }, "credsStore": "store" }""";

        Assert.Equal("file", (await Find(json, "localhost:5001"))?.UserName);
        Assert.Equal("from-store", (await Find(json, "ghcr.io"))?.UserName);
        Assert.Equal("https://index.docker.io/v1/-secret", (await Find(json, "docker.io"))?.Secret);
        Assert.Equal(["ghcr.io", "https://index.docker.io/v1/"], _helpers.Asked("store"));
    }

    [Fact]
    public async Task A_helpers_token_user_is_an_identity_token()
    {
        _helpers.Answering("tokens", "<token>");

        var credential = await Find("""{ "credsStore": "tokens" }""", "localhost:5001");

        Assert.True(credential!.IsIdentityToken);
        Assert.Equal("localhost:5001-secret", credential.Secret);
    }

    [Fact]
    public async Task A_helper_that_hangs_is_stopped_at_the_timeout_and_counts_as_no_credentials_said_as_a_warning()
    {
        _helpers.Hanging("stuck");

        var credential = await Find("""{ "credHelpers": { "localhost:5001": "stuck" } }""", "localhost:5001", TimeSpan.FromSeconds(1));

        Assert.Null(credential);
        var warning = Assert.Single(_warnings);
        Assert.Contains("docker-credential-stuck", warning, StringComparison.Ordinal);
        Assert.Contains("did not answer for localhost:5001 within 1 s", warning, StringComparison.Ordinal);
        Assert.Contains("credHelpers[\"localhost:5001\"]", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_while_a_helper_hangs_cancels_rather_than_warning()
    {
        _helpers.Hanging("stuck");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Find("""{ "credsStore": "stuck" }""", "localhost:5001", cancellationToken: cancel.Token));

        Assert.Empty(_warnings);
    }

    [Fact]
    public async Task A_helper_that_is_not_there_or_answers_garbage_is_an_error_without_its_output()
    {
        _helpers.Garbled("garbled", "leaked-secret");

        var missing = await Assert.ThrowsAsync<DockerAuthFileException>(() => Find("""{ "credsStore": "absent" }""", "localhost:5001"));
        var garbled = await Assert.ThrowsAsync<DockerAuthFileException>(() => Find("""{ "credsStore": "garbled" }""", "localhost:5001"));
        var path = await Assert.ThrowsAsync<DockerAuthFileException>(() => Find("""{ "credsStore": "../../bin/sh" }""", "localhost:5001"));

        Assert.Equal(DockerAuthFileProblem.HelperFailed, missing.Problem);
        Assert.Contains("docker-credential-absent", missing.Message, StringComparison.Ordinal);
        Assert.Contains("credsStore in ", missing.Message, StringComparison.Ordinal);
        Assert.Equal(DockerAuthFileProblem.HelperFailed, garbled.Problem);
        Assert.DoesNotContain("leaked-secret", garbled.Message, StringComparison.Ordinal);
        Assert.Equal(DockerAuthFileProblem.HelperFailed, path.Problem);
    }

    [Fact]
    public async Task A_file_that_is_not_json_or_has_a_bad_auth_is_unreadable_and_the_message_quotes_none_of_it()
    {
        var notJson = await Assert.ThrowsAsync<DockerAuthFileException>(() => Find("""{ "auths": { "localhost:5001": { "auth": s3cret-value } } }""", "localhost:5001"));
        var badAuth = await Assert.ThrowsAsync<DockerAuthFileException>(() => Find("""{ "auths": { "localhost:5001": { "auth": "s3cret!value" } } }""", "localhost:5001"));

        Assert.Equal(DockerAuthFileProblem.Unreadable, notJson.Problem);
        Assert.Equal(DockerAuthFileProblem.Unreadable, badAuth.Problem);
        Assert.DoesNotContain("s3cret", notJson.Message + badAuth.Message, StringComparison.Ordinal);
        Assert.Contains("auths[\"localhost:5001\"]", badAuth.Message, StringComparison.Ordinal);
        Assert.Null(await DockerAuthFile.FindAsync(Path.Combine(_dir, "absent.json"), "localhost:5001", Helpers()));
    }
}
