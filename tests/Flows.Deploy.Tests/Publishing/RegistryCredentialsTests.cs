using System.Runtime.Versioning;
using System.Text;
using Flows.Deploy.Publishing;
using Flows.Testing;
using Microsoft.Extensions.Logging;

namespace Flows.Deploy.Tests.Publishing;

/// <summary>Push credentials: the SDK's variables, then the docker-style auth files in the SDK's order, each read by the
/// shared reader (src/Shared/DockerAuthFile, tested on its own in Shared/DockerAuthFileTests).</summary>
public sealed class RegistryCredentialsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flows-creds-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteConfig(string folder, string json)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_dir, folder)).FullName;
        File.WriteAllText(Path.Combine(dir, "config.json"), json);
        return dir;
    }

    private static string Auth(string user, string password) =>
        $$"""{ "auth": "{{Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password))}}" }""";

    [Fact]
    public void Push_variables_win_over_the_general_ones()
    {
        var env = new Dictionary<string, string>
        {
            ["DOTNET_CONTAINER_REGISTRY_UNAME"] = "general", ["DOTNET_CONTAINER_REGISTRY_PWORD"] = "g",
            ["DOTNET_CONTAINER_PUSH_REGISTRY_UNAME"] = "push", ["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD"] = "p",
        };
        Assert.Equal(new RegistryCredential("push", "p"), RegistryCredentials.Find("localhost:5001", env.GetValueOrDefault));
    }

    [Fact]
    public void Docker_config_auths_match_on_host_in_any_key_form()
    {
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:s3cret:with:colons"));
        File.WriteAllText(Path.Combine(_dir, "config.json"), "{\"auths\": {\"https://localhost:5001/v1/\": {\"auth\": \"" + auth + "\"}}}");
        var env = new Dictionary<string, string> { ["DOCKER_CONFIG"] = _dir };
        var credential = RegistryCredentials.Find("localhost:5001", env.GetValueOrDefault);
        Assert.Equal(new RegistryCredential("AWS", "s3cret:with:colons"), credential);
        Assert.DoesNotContain("s3cret", credential!.ToString(), StringComparison.Ordinal);
        Assert.Null(RegistryCredentials.Find("localhost:5000", env.GetValueOrDefault));
    }

    [Fact]
    public void Username_and_password_entries_and_docker_hubs_v1_key_serve_a_push()
    {
        var dir = WriteConfig("docker", """
            { "auths": {
                "https://ghcr.io": { "username": "robot", "password": "pw" },
                "https://index.docker.io/v1/": { "username": "hub-user", "password": "hub-pw" } } }
            """);
        var env = new Dictionary<string, string> { ["DOCKER_CONFIG"] = dir };

        Assert.Equal(new RegistryCredential("robot", "pw"), RegistryCredentials.Find("ghcr.io", env.GetValueOrDefault));
        Assert.Equal(new RegistryCredential("hub-user", "hub-pw"), RegistryCredentials.Find("docker.io", env.GetValueOrDefault));
        Assert.Equal(new RegistryCredential("hub-user", "hub-pw"), RegistryCredentials.Find("registry-1.docker.io", env.GetValueOrDefault));
    }

    [Fact]
    public void REGISTRY_AUTH_FILE_comes_first_and_an_unreadable_file_passes_to_the_next_saying_why()
    {
        var first = WriteConfig("first", $$"""{ "auths": { "localhost:5001": {{Auth("from-auth-file", "1")}} } }""");
        var docker = WriteConfig("docker", $$"""{ "auths": { "localhost:5001": {{Auth("from-docker-config", "2")}} } }""");
        var env = new Dictionary<string, string> { ["REGISTRY_AUTH_FILE"] = Path.Combine(first, "config.json"), ["DOCKER_CONFIG"] = docker };
        Assert.Equal("from-auth-file", RegistryCredentials.Find("localhost:5001", env.GetValueOrDefault)?.UserName);

        File.WriteAllText(Path.Combine(first, "config.json"), """{ "auths": { "localhost:5001": { "auth": "hidden-password" """);
        var log = new ListLogger();
        Assert.Equal("from-docker-config", RegistryCredentials.Find("localhost:5001", env.GetValueOrDefault, log)?.UserName);
        var warning = Assert.Single(log.Lines);
        Assert.Contains(Path.Combine(first, "config.json"), warning, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden-password", warning, StringComparison.Ordinal);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void Credential_helpers_are_found_along_the_environments_PATH_and_a_missing_one_means_anonymous_with_a_warning()
    {
        using var helpers = new FakeCredentialHelpers();
        helpers.Answering("flowstest", "from-helper");
        var dir = WriteConfig("docker", """{ "credHelpers": { "localhost:5001": "flowstest", "localhost:5002": "absent" } }""");
        var env = new Dictionary<string, string> { ["DOCKER_CONFIG"] = dir, ["PATH"] = helpers.Directory };
        var log = new ListLogger();

        Assert.Equal(new RegistryCredential("from-helper", "localhost:5001-secret"), RegistryCredentials.Find("localhost:5001", env.GetValueOrDefault, log));
        Assert.Null(RegistryCredentials.Find("localhost:5002", env.GetValueOrDefault, log));
        Assert.Contains("docker-credential-absent", Assert.Single(log.Lines), StringComparison.Ordinal);
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add($"{logLevel}: {formatter(state, exception)}");
    }
}
