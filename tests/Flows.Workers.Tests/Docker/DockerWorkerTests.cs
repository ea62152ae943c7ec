using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Server;
using Flows.Server.WorkPools;
using Flows.Workers.Docker;

namespace Flows.Workers.Tests.Docker;

/// <summary>
/// The worker with docker infrastructure against the real server and the real Docker Engine: images from the
/// local registries, the real runner (samples/hello) inside a container, a server on a loopback URL reached
/// with no extra settings.
/// </summary>
public sealed class DockerWorkerTests : IClassFixture<DockerFixture>
{
    private readonly DockerFixture _fixture;

    public DockerWorkerTests(DockerFixture fixture) => _fixture = fixture;

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private (FlowWorker Worker, Task Running, CancellationTokenSource Stop) Start(string pool, TextWriter output, TimeSpan? grace = null)
    {
        var options = new WorkerOptions { WorkPool = pool, PollInterval = TimeSpan.FromMilliseconds(100), ShutdownGrace = grace ?? TimeSpan.FromSeconds(30) };
        var worker = new FlowWorker(_fixture.Server.Client, options, new DockerInfrastructure(_fixture.Docker, output), output);
        var stop = new CancellationTokenSource();
        return (worker, worker.RunAsync(stop.Token), stop);
    }

    [Fact]
    public async Task The_hello_app_runs_in_a_container_against_a_loopback_server_and_completes_with_its_logs()
    {
        var pool = Unique("docker");
        await _fixture.CreateDockerPoolAsync(pool);
        var appDir = Path.GetDirectoryName(WorkerFixture.HelloApp)!;
        var deployment = await _fixture.DeployAsync(pool, "hello", $$"""
            { "image": "{{DockerFixture.RuntimeImage}}", "command": "dotnet /app/hello.dll",
              "volumes": ["{{appDir}}:/app:ro"], "auto_remove": true }
            """, "HelloFlows.cs:hello", """{ "name": "Arthur" }""");
        var runId = (await _fixture.Server.Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment)).Id;
        using var output = new StringWriter();
        var (_, running, stop) = Start(pool, output);

        var run = await _fixture.Server.WaitAsync(runId, WorkerFixture.IsFinal);
        await stop.CancelAsync();
        await running;

        Assert.True(run.StateType == StateType.Completed, $"{run.StateType}: {run.State?.Message}\n{output}");
        var logs = await _fixture.Server.Client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [runId] } } });
        Assert.Contains(logs, l => l.Message == "Hello, Arthur!");
        Assert.Matches("^[0-9a-f]{64}$", run.InfrastructurePid);
        Assert.False(await _fixture.ContainerExistsAsync(run.InfrastructurePid!), "auto_remove: the container is removed after the run");
    }

    [Fact]
    public async Task The_hello_image_from_the_local_registry_is_pulled_and_its_own_command_runs_the_flow_run()
    {
        var image = await _fixture.PushHelloImageAsync();
        var pool = Unique("docker");
        await _fixture.CreateDockerPoolAsync(pool);

        // No command: the image's entrypoint is the app, which is the runner when PREFECT__FLOW_RUN_ID is set.
        var deployment = await _fixture.DeployAsync(pool, "hello", $$"""{ "image": "{{image}}", "auto_remove": true }""", "HelloFlows.cs:hello", """{ "name": "Arthur" }""");
        var runId = (await _fixture.Server.Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment)).Id;
        using var output = new StringWriter();
        var (_, running, stop) = Start(pool, output);

        var run = await _fixture.Server.WaitAsync(runId, WorkerFixture.IsFinal);
        await stop.CancelAsync();
        await running;

        Assert.True(run.StateType == StateType.Completed, $"{run.StateType}: {run.State?.Message}\n{output}");
        Assert.Contains($"Pulling image {image}", output.ToString(), StringComparison.Ordinal);
        var logs = await _fixture.Server.Client.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [runId] } } });
        Assert.Contains(logs, l => l.Message == "Hello, Arthur!");
    }

    private const string Key = "flows-test-key-5f0c2a";

    /// <summary>One run of hello through a docker worker on <paramref name="docker"/>, against a server requiring <see cref="Key"/>.</summary>
    private async Task<(FlowRun Run, string Output)> RunAgainstKeyedServerAsync(global::Docker.DotNet.IDockerClient docker, TimeSpan? keyWriteTimeout = null)
    {
        var home = Path.Combine(_fixture.Server.Home, Unique("keyed"));
        Directory.CreateDirectory(home);
        await using var server = await FlowsServer.StartAsync(new FlowsServerOptions { Host = "127.0.0.1", Port = 0, DatabaseUrl = $"sqlite:///{home}/flows.db", FlowsHome = home, ApiKeys = [Key] });
        using var client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(server.ApiUrl.ToString()), ApiKey = Key });
        var pool = Unique("docker");
        await client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = pool, Type = "docker", BaseJobTemplate = BaseJobTemplates.ForType("docker") });
        var flow = await client.Flows.CreateFlowAsync(new FlowCreate { Name = "hello" });
        var appDir = Path.GetDirectoryName(WorkerFixture.HelloApp)!;
        var deployment = await client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "keyed",
            FlowId = flow.Id,
            WorkPoolName = pool,
            Entrypoint = "HelloFlows.cs:hello",
            Parameters = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>("""{ "name": "Arthur" }"""),
            JobVariables = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>($$"""
                { "image": "{{DockerFixture.RuntimeImage}}", "command": "dotnet /app/hello.dll", "volumes": ["{{appDir}}:/app:ro"], "auto_remove": false }
                """),
        });
        var runId = (await client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id)).Id;
        using var output = new StringWriter();
        var infrastructure = keyWriteTimeout is { } timeout
            ? new DockerInfrastructure(docker, output) { KeyWriteTimeout = timeout }
            : new DockerInfrastructure(docker, output);
        var worker = new FlowWorker(client, new WorkerOptions { WorkPool = pool, PollInterval = TimeSpan.FromMilliseconds(100) }, infrastructure, output);
        using var stop = new CancellationTokenSource();
        var running = worker.RunAsync(stop.Token);

        FlowRun run;
        using (var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            while (!WorkerFixture.IsFinal(run = await client.FlowRuns.ReadFlowRunAsync(runId, limit.Token)))
            {
                await Task.Delay(100, limit.Token);
            }
        }

        await stop.CancelAsync();
        await running;
        return (run, output.ToString());
    }

    [Fact]
    public async Task Against_a_server_that_requires_an_api_key_the_run_reads_the_workers_key_from_a_file_and_completes_and_the_key_is_never_printed_nor_in_the_containers_env()
    {
        var (run, output) = await RunAgainstKeyedServerAsync(_fixture.Docker);

        Assert.True(run.StateType == StateType.Completed, $"{run.StateType}: {run.State?.Message}\n{output}");
        Assert.DoesNotContain(Key, output, StringComparison.Ordinal);

        // docker inspect shows the env to anyone who may use the Engine: the key is not there, only where to read it.
        var container = await _fixture.Docker.Containers.InspectContainerAsync(run.InfrastructurePid!);
        try
        {
            Assert.DoesNotContain(container.Config!.Env, e => e.Contains(Key, StringComparison.Ordinal));
            Assert.Contains($"PREFECT_API_KEY_FILE={DockerContainerSpec.ApiKeyPath}", container.Config.Env);
            Assert.DoesNotContain(Key, System.Text.Json.JsonSerializer.Serialize(container), StringComparison.Ordinal);
        }
        finally
        {
            await _fixture.Docker.Containers.RemoveContainerAsync(container.ID, new global::Docker.DotNet.Models.ContainerRemoveParameters { Force = true });
        }
    }

    [Fact]
    public async Task Writing_the_key_file_is_retried_when_the_engine_drops_the_upload_and_the_run_completes()
    {
        var flaky = FlakyDocker.FailContainerCall(_fixture.Docker, nameof(global::Docker.DotNet.IContainerOperations.ExtractArchiveToContainerAsync), failures: 2,
            () => new IOException("The response ended prematurely (test: a dropped archive upload)."));

        var (run, output) = await RunAgainstKeyedServerAsync(flaky);

        Assert.True(run.StateType == StateType.Completed, $"{run.StateType}: {run.State?.Message}\n{output}");
        Assert.Equal(2, Regex.Count(output, "Writing the API key into container [0-9a-f]{12} failed .*; retrying"));
        await _fixture.Docker.Containers.RemoveContainerAsync(run.InfrastructurePid!, new global::Docker.DotNet.Models.ContainerRemoveParameters { Force = true });
    }

    [Fact]
    public async Task A_key_file_upload_the_engine_never_answers_is_given_up_after_its_timeout_and_repeated()
    {
        var hung = FlakyDocker.HangContainerCall(_fixture.Docker, nameof(global::Docker.DotNet.IContainerOperations.ExtractArchiveToContainerAsync), hangs: 1);

        // 3 s: short for a test, long for a real upload of one small file even on a loaded machine (which could
        // otherwise time out a second attempt too; that would still be given up and repeated, so it is allowed).
        var (run, output) = await RunAgainstKeyedServerAsync(hung, keyWriteTimeout: TimeSpan.FromSeconds(3));

        Assert.True(run.StateType == StateType.Completed, $"{run.StateType}: {run.State?.Message}\n{output}");
        Assert.NotEmpty(Regex.Matches(output, "Writing the API key into container [0-9a-f]{12} failed \\(no answer in 3 s\\); retrying"));
        await _fixture.Docker.Containers.RemoveContainerAsync(run.InfrastructurePid!, new global::Docker.DotNet.Models.ContainerRemoveParameters { Force = true });
    }

    [Fact]
    public async Task When_the_key_file_cannot_be_written_the_container_is_never_started_and_the_run_says_why()
    {
        var flaky = FlakyDocker.FailContainerCall(_fixture.Docker, nameof(global::Docker.DotNet.IContainerOperations.ExtractArchiveToContainerAsync), failures: int.MaxValue,
            () => new IOException("The response ended prematurely (test: the archive endpoint is down)."));

        var (run, output) = await RunAgainstKeyedServerAsync(flaky);

        Assert.True(run.StateType == StateType.Crashed, $"{run.StateType}: {run.State?.Message}\n{output}");
        Assert.Contains(DockerDiagnosticCodes.ApiKeyWriteFailed, run.State!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, run.State.Message!, StringComparison.Ordinal);
        var left = await _fixture.Docker.Containers.ListContainersAsync(new global::Docker.DotNet.Models.ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"prefect.io/flow-run-id={run.Id}"] = true } },
        });
        Assert.Empty(left);
    }

    [Fact]
    public async Task A_container_that_exits_without_reporting_ends_crashed_with_its_exit_code_and_stderr()
    {
        var pool = Unique("docker");
        await _fixture.CreateDockerPoolAsync(pool);
        var deployment = await _fixture.DeployAsync(pool, "crash", $$"""
            { "image": "{{DockerFixture.RuntimeImage}}", "command": "sh -c 'echo dying >&2; exit 3'", "labels": { "team": "data" } }
            """);
        var runId = (await _fixture.Server.Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment)).Id;
        using var output = new StringWriter();
        var (_, running, stop) = Start(pool, output);

        var run = await _fixture.Server.WaitAsync(runId, WorkerFixture.IsFinal);
        await stop.CancelAsync();
        await running;

        Assert.Equal(StateType.Crashed, run.StateType);
        Assert.Contains("non-zero status code 3", run.State!.Message, StringComparison.Ordinal);
        Assert.Contains("dying", run.State.Message, StringComparison.Ordinal);
        Assert.Contains("dying", output.ToString(), StringComparison.Ordinal);

        // auto_remove is off by default: the container is kept for inspection, with Prefect's labels.
        var container = await _fixture.Docker.Containers.InspectContainerAsync(run.InfrastructurePid!);
        await _fixture.Docker.Containers.RemoveContainerAsync(container.ID, new global::Docker.DotNet.Models.ContainerRemoveParameters { Force = true });
        Assert.Equal(runId.ToString(), container.Config!.Labels["prefect.io/flow-run-id"]);
        Assert.Equal("data", container.Config!.Labels["team"]);
        Assert.Contains($"PREFECT__FLOW_RUN_ID={runId}", container.Config!.Env);
    }

    [Fact]
    public async Task A_cancelling_run_has_its_container_killed_and_ends_cancelled()
    {
        var pool = Unique("docker");
        await _fixture.CreateDockerPoolAsync(pool);
        var deployment = await DeploySleeperAsync(pool);
        var runId = (await _fixture.Server.Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment)).Id;
        using var output = new StringWriter();
        var (_, running, stop) = Start(pool, output);
        var started = await _fixture.Server.WaitAsync(runId, r => r.InfrastructurePid is not null);

        await _fixture.Server.Client.FlowRuns.SetFlowRunStateAsync(runId, new StateCreate { Type = StateType.Cancelling, Name = "Cancelling" });
        var run = await _fixture.Server.WaitAsync(runId, WorkerFixture.IsFinal);
        await stop.CancelAsync();
        await running;

        Assert.Equal(StateType.Cancelled, run.StateType);
        Assert.False(await _fixture.ContainerExistsAsync(started.InfrastructurePid!));
    }

    /// <summary>A deployment whose container sleeps until something stops it (the host's sleep, which needs only libc, mounted in).</summary>
    private Task<Guid> DeploySleeperAsync(string pool) => _fixture.DeployAsync(pool, "sleepy", $$"""
        { "image": "{{DockerFixture.RuntimeImage}}", "command": "/opt/sleep 600", "volumes": ["/usr/bin/sleep:/opt/sleep:ro"], "auto_remove": true }
        """);

    [Fact]
    public async Task A_container_killed_mid_run_ends_crashed_with_the_signal_exit_code()
    {
        var pool = Unique("docker");
        await _fixture.CreateDockerPoolAsync(pool);
        var runId = (await _fixture.Server.Client.Deployments.CreateFlowRunFromDeploymentAsync(await DeploySleeperAsync(pool))).Id;
        using var output = new StringWriter();
        var (_, running, stop) = Start(pool, output);
        var started = await _fixture.Server.WaitAsync(runId, r => r.InfrastructurePid is not null);

        await _fixture.Docker.Containers.KillContainerAsync(started.InfrastructurePid!, new global::Docker.DotNet.Models.ContainerKillParameters { Signal = "SIGKILL" });
        var run = await _fixture.Server.WaitAsync(runId, WorkerFixture.IsFinal);
        await stop.CancelAsync();
        await running;

        Assert.Equal(StateType.Crashed, run.StateType);
        Assert.Contains("non-zero status code 137", run.State!.Message, StringComparison.Ordinal);
        Assert.False(await _fixture.ContainerExistsAsync(started.InfrastructurePid!));
    }

    [Fact]
    public async Task A_worker_stopped_mid_run_leaves_no_run_behind_and_no_container()
    {
        var pool = Unique("docker");
        await _fixture.CreateDockerPoolAsync(pool);
        var runId = (await _fixture.Server.Client.Deployments.CreateFlowRunFromDeploymentAsync(await DeploySleeperAsync(pool))).Id;
        using var output = new StringWriter();
        var (_, running, stop) = Start(pool, output, grace: TimeSpan.FromMilliseconds(200));
        var started = await _fixture.Server.WaitAsync(runId, r => r.InfrastructurePid is not null);

        await stop.CancelAsync();
        await running;

        // Once RunAsync returns, the run is final and its container gone: nothing is left Running on a dead worker.
        var run = await _fixture.Server.Client.FlowRuns.ReadFlowRunAsync(runId);
        Assert.True(WorkerFixture.IsFinal(run), $"{run.StateType}\n{output}");
        Assert.False(await _fixture.ContainerExistsAsync(started.InfrastructurePid!));
    }

    [Fact]
    public async Task An_image_on_a_registry_with_auth_is_pulled_with_the_docker_config_credentials()
    {
        const string image = "localhost:5001/dotnet/runtime-deps:10.0";
        await _fixture.RemoveImageAsync(image);
        var configDir = Path.Combine(_fixture.Server.Home, Unique("docker-config"));
        Directory.CreateDirectory(configDir);
        var configPath = Path.Combine(configDir, "config.json");
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + _fixture.AwsPassword));
        await File.WriteAllTextAsync(configPath, $$"""{ "auths": { "localhost:5001": { "auth": "{{auth}}" } } }""");
        var job = new FlowRunJob(Guid.NewGuid(), Unique("pull"), new JsonObject
        {
            ["image"] = image,
            ["command"] = "sh -c 'echo pulled'",
            ["auto_remove"] = true,
        }, new Dictionary<string, string>());
        using var output = new StringWriter();

        var anonymous = await new DockerInfrastructure(_fixture.Docker, output).RunAsync(job, _ => Task.CompletedTask, CancellationToken.None);
        var authenticated = await new DockerInfrastructure(_fixture.Docker, output, new DockerConfigCredentials(configPath)).RunAsync(job, _ => Task.CompletedTask, CancellationToken.None);

        Assert.Equal(-1, anonymous.ExitCode);
        Assert.StartsWith("FLOWS4022:", anonymous.Reason, StringComparison.Ordinal);
        Assert.True(authenticated.ExitCode == 0, $"{authenticated.Reason}\n{output}");
        Assert.Contains("pulled", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_fixture.AwsPassword, output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelled_before_the_container_starts_is_a_result_and_leaves_nothing_behind()
    {
        var job = new FlowRunJob(Guid.NewGuid(), Unique("early"), new JsonObject { ["image"] = DockerFixture.RuntimeImage, ["command"] = "sh -c 'exit 0'" }, new Dictionary<string, string>());
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var result = await new DockerInfrastructure(_fixture.Docker, TextWriter.Null).RunAsync(job, _ => Task.CompletedTask, cancelled.Token);

        Assert.Equal(-1, result.ExitCode);
        Assert.Equal("cancelled before the container started", result.Reason);
        Assert.Empty(await _fixture.ContainersOfRunAsync(job.FlowRunId));
    }

    [Fact]
    public async Task A_container_the_engine_cannot_start_is_a_coded_error_and_is_removed()
    {
        // The Engine creates the container, then fails to start it: the command does not exist in the image.
        var job = new FlowRunJob(Guid.NewGuid(), Unique("nocommand"), new JsonObject
        {
            ["image"] = DockerFixture.RuntimeImage,
            ["command"] = "/no/such/flows-binary",
        }, new Dictionary<string, string>());

        var result = await new DockerInfrastructure(_fixture.Docker, TextWriter.Null).RunAsync(job, _ => Task.CompletedTask, CancellationToken.None);

        Assert.Equal(-1, result.ExitCode);
        Assert.StartsWith("FLOWS4024:", result.Reason, StringComparison.Ordinal);
        Assert.Contains("/no/such/flows-binary", result.Reason, StringComparison.Ordinal);
        Assert.Empty(await _fixture.ContainersOfRunAsync(job.FlowRunId));
    }

    [Fact]
    public async Task An_image_pinned_by_tag_and_digest_as_deploy_writes_it_is_pulled_by_digest_and_runs()
    {
        // The deploy engine pins images as <registry>/<repo>:<tag>@sha256:<digest>.
        var digest = await _fixture.ManifestDigestAsync("dotnet/runtime-deps", "10.0");
        var image = $"localhost:5000/dotnet/runtime-deps:10.0@{digest}";
        await _fixture.RemoveImageAsync("localhost:5000/dotnet/runtime-deps:10.0");
        await _fixture.RemoveImageAsync($"localhost:5000/dotnet/runtime-deps@{digest}");
        var job = new FlowRunJob(Guid.NewGuid(), Unique("pinned"), new JsonObject
        {
            ["image"] = image,
            ["command"] = "sh -c 'echo pinned-ok'",
            ["auto_remove"] = true,
        }, new Dictionary<string, string>());
        using var output = new StringWriter();

        var first = await new DockerInfrastructure(_fixture.Docker, output).RunAsync(job, _ => Task.CompletedTask, CancellationToken.None);
        var second = await new DockerInfrastructure(_fixture.Docker, output).RunAsync(job, _ => Task.CompletedTask, CancellationToken.None);

        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, $"{first.Reason} / {second.Reason}\n{output}");
        Assert.Equal(2, output.ToString().Split("pinned-ok").Length - 1);

        // IfNotPresent (the default for a pinned image): the second run found the image and did not pull again.
        Assert.Equal(1, output.ToString().Split("Pulling image").Length - 1);
    }

    [Fact]
    public async Task The_preflight_passes_with_the_engine_and_names_the_endpoint_and_the_fix_without_one()
    {
        var missing = Path.Combine(_fixture.Server.Home, "no-docker.sock");
        using var nowhere = new global::Docker.DotNet.DockerClientBuilder().WithEndpoint(new Uri("unix://" + missing)).Build();

        var ready = await new DockerInfrastructure(_fixture.Docker, TextWriter.Null).CheckAsync();
        var problem = await new DockerInfrastructure(nowhere, TextWriter.Null).CheckAsync();

        Assert.Null(ready);
        Assert.NotNull(problem);
        Assert.StartsWith("FLOWS4020:", problem, StringComparison.Ordinal);
        Assert.Contains(missing, problem, StringComparison.Ordinal);
        Assert.Contains("DOCKER_HOST", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_container_for_a_name_in_use_is_numbered_instead_of_failing()
    {
        var name = Unique("twice");
        var job = new FlowRunJob(Guid.NewGuid(), name, new JsonObject { ["image"] = DockerFixture.RuntimeImage, ["command"] = "sh -c 'exit 0'", ["name"] = name }, new Dictionary<string, string>());
        var ids = new List<string>();
        var infrastructure = new DockerInfrastructure(_fixture.Docker, TextWriter.Null);

        // auto_remove is off, so the first container keeps the name while the second is created.
        var first = await infrastructure.RunAsync(job, id => { ids.Add(id); return Task.CompletedTask; }, CancellationToken.None);
        var second = await infrastructure.RunAsync(job, id => { ids.Add(id); return Task.CompletedTask; }, CancellationToken.None);
        var names = new List<string>();
        foreach (var id in ids)
        {
            names.Add((await _fixture.Docker.Containers.InspectContainerAsync(id)).Name);
            await _fixture.Docker.Containers.RemoveContainerAsync(id, new global::Docker.DotNet.Models.ContainerRemoveParameters { Force = true });
        }

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(["/" + name, "/" + name + "-1"], names);
    }

    [Fact]
    public async Task A_missing_image_with_pull_policy_never_is_a_coded_error()
    {
        var job = new FlowRunJob(Guid.NewGuid(), Unique("never"), new JsonObject
        {
            ["image"] = "localhost:5000/flows/does-not-exist:" + Unique("t"),
            ["image_pull_policy"] = "Never",
        }, new Dictionary<string, string>());

        var result = await new DockerInfrastructure(_fixture.Docker, TextWriter.Null).RunAsync(job, _ => Task.CompletedTask, CancellationToken.None);

        Assert.Equal(-1, result.ExitCode);
        Assert.StartsWith("FLOWS4023:", result.Reason, StringComparison.Ordinal);
    }
}
