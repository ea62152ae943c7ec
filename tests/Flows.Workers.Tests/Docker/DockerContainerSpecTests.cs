using System.Text.Json.Nodes;
using Flows.Workers.Docker;
using Flows.Server.WorkPools;
using Flows.Workers.Rendering;

namespace Flows.Workers.Tests.Docker;

/// <summary>The container a rendered docker job becomes, field by field (no Engine needed).</summary>
public sealed class DockerContainerSpecTests
{
    private static readonly Guid RunId = Guid.Parse("7d3c1c1e-9f9b-4a53-9a47-2d3e1f6b8a10");

    /// <summary>The server's default docker base job template, rendered with the given deployment job variables.</summary>
    private static FlowRunJob Job(string jobVariables, string apiUrl = "http://127.0.0.1:4200/api")
    {
        var template = JsonNode.Parse(BaseJobTemplates.ForType("docker")!.Value.GetRawText())!.AsObject();
        var configuration = JobConfigurationRenderer.Render(template, JsonNode.Parse(jobVariables)!.AsObject(), null);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (configuration["env"] is JsonObject env)
        {
            foreach (var (key, value) in env)
            {
                environment[key] = (string)value!;
            }
        }

        environment["PREFECT__FLOW_RUN_ID"] = RunId.ToString();
        environment["PREFECT_API_URL"] = apiUrl;
        return new FlowRunJob(RunId, "crimson otter", configuration, environment);
    }

    [Fact]
    public void The_image_command_env_and_labels_come_from_the_job()
    {
        var spec = DockerContainerSpec.From(Job("""
            { "image": "localhost:5000/hello:abc1234", "command": "dotnet /app/hello.dll --verbose 'two words'",
              "env": { "GREETING": "hi" }, "labels": { "team": "data" } }
            """), linux: true);

        var p = spec.Parameters;
        Assert.Equal("localhost:5000/hello:abc1234", p.Image);
        Assert.Equal(["dotnet", "/app/hello.dll", "--verbose", "two words"], p.Cmd);
        Assert.Equal(["GREETING=hi", "PREFECT_API_URL=http://127.0.0.1:4200/api", $"PREFECT__FLOW_RUN_ID={RunId}"], p.Env);
        Assert.Equal("data", p.Labels["team"]);
        Assert.Equal(RunId.ToString(), p.Labels["prefect.io/flow-run-id"]);
        Assert.Equal("crimson otter", p.Labels["prefect.io/flow-run-name"]);
        Assert.Equal("crimson-otter", p.Name);
        Assert.False(spec.AutoRemove);
        Assert.True(spec.StreamOutput);
    }

    [Fact]
    public void Without_a_command_the_image_keeps_its_own()
    {
        var spec = DockerContainerSpec.From(Job("""{ "image": "localhost:5000/hello:abc1234" }"""), linux: true);

        Assert.Null(spec.Parameters.Cmd);
    }

    [Fact]
    public void A_server_on_loopback_is_reached_through_the_host_network_on_linux()
    {
        var spec = DockerContainerSpec.From(Job("""{ "image": "hello:1" }"""), linux: true);

        Assert.Equal("host", spec.Parameters.HostConfig!.NetworkMode);
        Assert.Contains("PREFECT_API_URL=http://127.0.0.1:4200/api", spec.Parameters.Env);
        Assert.Null(spec.Parameters.HostConfig!.ExtraHosts);
    }

    [Fact]
    public void With_a_chosen_network_a_loopback_server_is_reached_as_host_docker_internal()
    {
        var spec = DockerContainerSpec.From(Job("""{ "image": "hello:1", "networks": ["flows", "db"] }"""), linux: true);

        Assert.Equal("flows", spec.Parameters.HostConfig!.NetworkMode);
        Assert.Equal(["db"], spec.ExtraNetworks);
        Assert.Contains("PREFECT_API_URL=http://host.docker.internal:4200/api", spec.Parameters.Env);
        Assert.Equal(["host.docker.internal:host-gateway"], spec.Parameters.HostConfig!.ExtraHosts);
    }

    [Fact]
    public void An_explicit_network_mode_wins_and_a_remote_server_url_is_left_alone()
    {
        var spec = DockerContainerSpec.From(Job("""{ "image": "hello:1", "network_mode": "bridge" }""", "https://api.prefect.cloud/api/accounts/a/workspaces/w"), linux: true);

        Assert.Equal("bridge", spec.Parameters.HostConfig!.NetworkMode);
        Assert.Contains("PREFECT_API_URL=https://api.prefect.cloud/api/accounts/a/workspaces/w", spec.Parameters.Env);
    }

    [Fact]
    public void Volumes_memory_privileged_and_auto_remove_map_to_the_host_config()
    {
        var spec = DockerContainerSpec.From(Job("""
            { "image": "hello:1", "volumes": ["/srv/data:/data:ro"], "mem_limit": "512m", "privileged": true, "auto_remove": true, "stream_output": false }
            """), linux: true);

        Assert.Equal(["/srv/data:/data:ro"], spec.Parameters.HostConfig!.Binds);
        Assert.Equal(512L * 1024 * 1024, spec.Parameters.HostConfig!.Memory);
        Assert.True(spec.Parameters.HostConfig!.Privileged);
        Assert.True(spec.AutoRemove);
        Assert.False(spec.StreamOutput);
    }

    [Theory]
    [InlineData("hello", ImagePullPolicy.Always)]
    [InlineData("hello:latest", ImagePullPolicy.Always)]
    [InlineData("localhost:5000/hello:abc1234", ImagePullPolicy.IfNotPresent)]
    [InlineData("localhost:5000/hello:abc1234@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", ImagePullPolicy.IfNotPresent)]
    public void The_default_pull_policy_pulls_moving_tags_every_time(string image, ImagePullPolicy expected)
    {
        var spec = DockerContainerSpec.From(Job($$"""{ "image": "{{image}}" }"""), linux: true);

        Assert.Equal(expected, spec.PullPolicy);
    }

    [Fact]
    public void An_explicit_pull_policy_is_used()
    {
        Assert.Equal(ImagePullPolicy.Never, DockerContainerSpec.From(Job("""{ "image": "hello", "image_pull_policy": "Never" }"""), linux: true).PullPolicy);
    }

    [Fact]
    public void A_job_without_an_image_is_an_error_that_says_where_to_set_it()
    {
        var e = Assert.Throws<DockerJobException>(() => DockerContainerSpec.From(Job("{}"), linux: true));

        Assert.StartsWith("FLOWS4021:", e.Message, StringComparison.Ordinal);
        Assert.Contains("job_variables.image", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1024", 1024L)]
    [InlineData("64k", 64L * 1024)]
    [InlineData("2g", 2L * 1024 * 1024 * 1024)]
    [InlineData("300M", 300L * 1024 * 1024)]
    public void Memory_sizes_use_docker_notation(string text, long bytes) => Assert.Equal(bytes, DockerContainerSpec.ParseMemory(text));

    [Theory]
    [InlineData("lots")]
    [InlineData("-5m")]
    [InlineData("5t")]
    [InlineData("")]
    public void Bad_memory_sizes_are_coded_errors(string text) =>
        Assert.StartsWith("FLOWS4026:", Assert.Throws<DockerJobException>(() => DockerContainerSpec.ParseMemory(text)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("crimson-otter", "crimson-otter")]
    [InlineData("hello/arthur run #2", "hello-arthur-run-2")]
    [InlineData("--x", "x")]
    [InlineData("***", null)]
    public void Container_names_follow_dockers_rule(string name, string? expected) => Assert.Equal(expected, DockerContainerSpec.ContainerName(name));

    [Fact]
    public void The_api_key_goes_to_a_file_in_the_container_not_its_env_unless_the_worker_keeps_prefects_way()
    {
        var job = Job("""{ "image": "localhost:5000/hello:abc1234" }""");
        job = job with { Environment = new Dictionary<string, string>(job.Environment) { ["PREFECT_API_KEY"] = "pnu_secret" } };

        var spec = DockerContainerSpec.From(job, linux: true);
        Assert.DoesNotContain(spec.Parameters.Env, e => e.Contains("pnu_secret", StringComparison.Ordinal));
        Assert.Contains($"PREFECT_API_KEY_FILE={DockerContainerSpec.ApiKeyPath}", spec.Parameters.Env);
        Assert.Equal("pnu_secret", spec.ApiKey!.Value);
        Assert.DoesNotContain("pnu_secret", spec.ToString(), StringComparison.Ordinal); // a logged spec does not leak it

        var prefectWay = DockerContainerSpec.From(job, linux: true, apiKeyInEnv: true);
        Assert.Contains("PREFECT_API_KEY=pnu_secret", prefectWay.Parameters.Env);
        Assert.Null(prefectWay.ApiKey);
    }
}
