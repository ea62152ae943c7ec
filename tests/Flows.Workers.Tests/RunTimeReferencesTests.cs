using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Api.Models;
using Flows.Workers.Process;
using Flows.Workers.Rendering;

namespace Flows.Workers.Tests;

/// <summary>
/// The references the deploy engine leaves in job_variables for the worker (<c>ctx.*</c>,
/// <c>prefect.variables.*</c>), resolved at run time against the real server's variables.
/// </summary>
public sealed class RunTimeReferencesTests : IClassFixture<WorkerFixture>
{
    private static readonly JsonObject Context = JsonNode.Parse("""{ "flow_run": { "id": "abc", "name": "quick-raven" }, "deployment": { "name": "arthur" } }""")!.AsObject();

    private readonly WorkerFixture _fixture;

    public RunTimeReferencesTests(WorkerFixture fixture) => _fixture = fixture;

    private static string Unique(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..8];

    private async Task<string> VariableAsync(string json)
    {
        var name = Unique("v");
        await _fixture.Client.Variables.CreateVariableAsync(new VariableCreate { Name = name, Value = JsonDocument.Parse(json).RootElement.Clone() });
        return name;
    }

    /// <summary>The process template rendered with deployment job variables, then the run-time pass.</summary>
    private async Task<JsonObject> RenderAsync(string deploymentJobVariables)
    {
        var pool = await _fixture.CreateProcessPoolAsync(Unique("pool").Replace('_', '-'));
        var template = JsonNode.Parse(pool.BaseJobTemplate!.Value.GetRawText())!.AsObject();
        var rendered = JobConfigurationRenderer.Render(template, JsonNode.Parse(deploymentJobVariables)!.AsObject(), null, Context);
        return await RunTimeReferences.ResolveAsync(rendered, Context, _fixture.Client.Variables);
    }

    [Fact]
    public async Task Context_references_inside_job_variables_resolve()
    {
        var job = await RenderAsync("""{ "name": "{{ ctx.flow_run.name }}", "env": { "RUN": "run {{ ctx.flow_run.id }} of {{ ctx.deployment.name }}" } }""");

        Assert.Equal("quick-raven", (string?)job["name"]);
        Assert.Equal("run abc of arthur", (string?)job["env"]!["RUN"]);
    }

    [Fact]
    public async Task A_variable_that_is_the_whole_value_keeps_its_json_type_and_inside_text_it_is_written_as_text()
    {
        var password = await VariableAsync("\"s3cret\"");
        var settings = await VariableAsync("""{ "retries": 3 }""");

        var job = await RenderAsync($$$"""
            { "env": { "PASSWORD": "{{ prefect.variables.{{{password}}} }}", "URL": "postgres://app:{{ prefect.variables.{{{password}}} }}@db" },
              "labels": { "settings": "{{ prefect.variables.{{{settings}}} }}" } }
            """);

        Assert.Equal("s3cret", (string?)job["env"]!["PASSWORD"]);
        Assert.Equal("postgres://app:s3cret@db", (string?)job["env"]!["URL"]);
        Assert.Equal("""{"retries":3}""", job["labels"]!["settings"]!.ToJsonString());
    }

    [Fact]
    public async Task A_missing_variable_is_a_coded_error_naming_it()
    {
        var e = await Assert.ThrowsAsync<RunTimeReferenceException>(() => RenderAsync("""{ "env": { "PASSWORD": "{{ prefect.variables.no_such_thing }}" } }"""));

        Assert.StartsWith("FLOWS4010:", e.Message, StringComparison.Ordinal);
        Assert.Contains("'no_such_thing'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_placeholders_in_job_variables_are_left_as_written()
    {
        var job = await RenderAsync("""{ "env": { "LITERAL": "{{ not_a_reference }}" } }""");

        Assert.Equal("{{ not_a_reference }}", (string?)job["env"]!["LITERAL"]);
    }

    [Fact]
    public async Task A_process_run_gets_the_variable_and_its_own_name_in_its_environment_and_a_missing_variable_crashes_it()
    {
        var pool = Unique("pool").Replace('_', '-');
        await _fixture.CreateProcessPoolAsync(pool);
        var secret = await VariableAsync("\"open-sesame\"");
        var record = Path.Combine(_fixture.Home, pool + ".txt");
        var good = await DeployAsync(pool, "refs", $"sh -c 'echo \"$SECRET $RUN\" > {record}'", $$$"""{ "SECRET": "{{ prefect.variables.{{{secret}}} }}", "RUN": "{{ ctx.flow_run.name }}" }""");
        var bad = await DeployAsync(pool, "refs-missing", "sh -c 'exit 0'", """{ "SECRET": "{{ prefect.variables.never_created }}" }""");
        var goodRun = await _fixture.RunAsync(good);
        var badRun = await _fixture.RunAsync(bad);
        var options = new WorkerOptions { WorkPool = pool, PollInterval = TimeSpan.FromMilliseconds(100) };
        var worker = new FlowWorker(_fixture.Client, options, new ProcessInfrastructure(TextWriter.Null), TextWriter.Null);
        using var stop = new CancellationTokenSource();
        var running = worker.RunAsync(stop.Token);

        var started = await _fixture.WaitAsync(goodRun, r => r.InfrastructurePid is not null);
        // Submitted (a pid) would be the bug; final is the expected end.
        var crashed = await _fixture.WaitAsync(badRun, r => WorkerFixture.IsFinal(r) || r.InfrastructurePid is not null);
        await stop.CancelAsync();
        await running;

        Assert.Equal($"open-sesame {started.Name}", (await File.ReadAllTextAsync(record)).Trim());
        Assert.Null(crashed.InfrastructurePid);
        Assert.Equal(StateType.Crashed, crashed.StateType);
        Assert.Contains("FLOWS4010", crashed.State!.Message, StringComparison.Ordinal);
    }

    private async Task<Guid> DeployAsync(string pool, string flowName, string command, string envJson)
    {
        var flow = await _fixture.Client.Flows.CreateFlowAsync(new FlowCreate { Name = flowName });
        var deployment = await _fixture.Client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "d",
            FlowId = flow.Id,
            WorkPoolName = pool,
            JobVariables = new Dictionary<string, JsonElement>
            {
                ["command"] = JsonSerializer.SerializeToElement(command),
                ["env"] = JsonDocument.Parse(envJson).RootElement.Clone(),
            },
        });
        return deployment.Id;
    }
}
