using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Flows.Api.Models;

namespace Flows.Ui.Tests;

/// <summary>The deployment page's Run form (generated from the parameter schema) and the work pool form, over plain HTTP.</summary>
public sealed partial class RunFormTests
{
    private const string Schema = """
        {"title":"Parameters","type":"object","required":["count"],
         "properties":{
           "name":{"title":"name","position":0,"type":"string","default":"Marvin","description":"Who to greet."},
           "count":{"title":"count","position":1,"type":"integer"},
           "ratio":{"title":"ratio","position":2,"type":"number","default":0.5},
           "loud":{"title":"loud","position":3,"type":"boolean","default":false},
           "color":{"title":"color","position":4,"allOf":[{"$ref":"#/definitions/Color"}],"default":"red"},
           "extra":{"title":"extra","position":5,"type":"object","default":{"a":[1,2]}},
           "maybe":{"title":"maybe","position":6,"anyOf":[{"type":"integer"},{"type":"null"}],"default":null}
         },
         "definitions":{"Color":{"title":"Color","enum":["red","green"],"type":"string"}}}
        """;

    [GeneratedRegex("<div class=\"field\" data-kind=\"(\\w+)\"><label for=\"param-\\d+\">(\\w+)")]
    private static partial Regex FieldKinds();

    private static async Task<(UiServer Server, DeploymentResponse Deployment)> StartAsync()
    {
        var server = await UiServer.StartAsync();
        var flow = await server.Client.Flows.CreateFlowAsync(new FlowCreate { Name = "f" });
        var deployment = await server.Client.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "d", FlowId = flow.Id, ParameterOpenapiSchema = JsonDocument.Parse(Schema).RootElement,
            Parameters = new Dictionary<string, JsonElement> { ["name"] = JsonSerializer.SerializeToElement("Arthur") },
        });
        return (server, deployment);
    }

    [Fact]
    public async Task The_form_has_one_typed_input_per_parameter_prefilled_from_the_deployment_then_the_schema()
    {
        var (server, deployment) = await StartAsync();
        await using var owned = server;
        var (status, page, _) = await server.GetAsync($"/deployments/{deployment.Id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["string name", "integer count", "number ratio", "boolean loud", "enum color", "json extra", "integer maybe"],
            FieldKinds().Matches(page).Select(m => m.Groups[1].Value + " " + m.Groups[2].Value));
        Assert.Contains("name=\"p.name\" value=\"Arthur\"", page);
        Assert.Contains("name=\"p.ratio\" value=\"0.5\"", page);
        Assert.Contains("<option value=\"red\" selected>red</option>", page);
        Assert.Contains("name=\"p.loud\" value=\"true\">", page);
        Assert.Matches("<textarea[^>]*name=\"p.extra\"[^>]*>\\{\\s*&quot;a&quot;", page);
    }

    [Fact]
    public async Task A_valid_post_creates_a_run_with_typed_parameters_and_redirects_to_it()
    {
        var (server, deployment) = await StartAsync();
        await using var owned = server;
        var (_, page, _) = await server.GetAsync($"/deployments/{deployment.Id}");
        var (status, _, response) = await server.PostFormAsync($"/deployments/{deployment.Id}/run",
        [
            new("_csrf", UiServer.Csrf(page)), new("p.name", "Ford"), new("p.count", "3"), new("p.ratio", "1e-3"), new("p.loud", "true"),
            new("p.color", "green"), new("p.extra", "{\"b\": {\"c\": null}}"), new("p.maybe", ""),
        ]);
        Assert.Equal(HttpStatusCode.SeeOther, status);
        var runId = Guid.Parse(response.Headers.Location!.OriginalString["/runs/".Length..]);
        var run = await server.Client.FlowRuns.ReadFlowRunAsync(runId);
        Assert.Equal(deployment.Id, run.DeploymentId);
        Assert.Equal("""{"name":"Ford","count":3,"ratio":0.001,"loud":true,"color":"green","extra":{"b":{"c":null}}}""", JsonSerializer.Serialize(run.Parameters));
        Assert.Equal(StateType.Scheduled, run.StateType);
        var (runStatus, runPage, _) = await server.GetAsync($"/runs/{runId}");
        Assert.Equal(HttpStatusCode.OK, runStatus);
        Assert.Contains("&quot;Ford&quot;", runPage);
    }

    [Fact]
    public async Task Bad_values_and_the_apis_validation_errors_show_in_the_page_and_create_nothing()
    {
        var (server, deployment) = await StartAsync();
        await using var owned = server;
        var (_, page, _) = await server.GetAsync($"/deployments/{deployment.Id}");
        var csrf = UiServer.Csrf(page);

        var (status, body, _) = await server.PostFormAsync($"/deployments/{deployment.Id}/run", [new("_csrf", csrf), new("p.count", "three"), new("p.extra", "{nope")]);
        Assert.Equal(HttpStatusCode.UnprocessableContent, status);
        Assert.Contains("&#39;three&#39; is not an integer.", body);
        Assert.Contains("Not valid JSON", body);
        Assert.Contains("name=\"p.count\" value=\"three\"", body);

        // count is required by the schema: left empty it is left out, and the API's own check answers (409).
        (status, body, _) = await server.PostFormAsync($"/deployments/{deployment.Id}/run", [new("_csrf", csrf), new("p.name", "x")]);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("Validation failed", body);
        Assert.Contains("id=\"run-error\"", body);

        Assert.Empty(await server.Client.FlowRuns.ReadFlowRunsAsync());
    }

    [Fact]
    public async Task The_work_pool_form_stores_kubernetes_settings_as_template_variable_defaults()
    {
        await using var server = await UiServer.StartAsync();
        var (_, page, _) = await server.GetAsync("/work-pools");
        var csrf = UiServer.Csrf(page);
        var (status, _, response) = await server.PostFormAsync("/work-pools",
        [
            new("_csrf", csrf), new("name", "eks"), new("type", "kubernetes"), new("namespace", "flows"), new("image", ""),
            new("finished_job_ttl", "600"), new("pod_watch_timeout_seconds", "120"),
        ]);
        Assert.Equal(HttpStatusCode.SeeOther, status);
        Assert.Equal("/work-pools#pool-eks", response.Headers.Location?.OriginalString);
        var pool = await server.Client.WorkPools.ReadWorkPoolAsync("eks");
        Assert.Equal("kubernetes", pool.Type);
        var properties = pool.BaseJobTemplate!.Value.GetProperty("variables").GetProperty("properties");
        Assert.Equal("flows", properties.GetProperty("namespace").GetProperty("default").GetString());
        Assert.Equal(600, properties.GetProperty("finished_job_ttl").GetProperty("default").GetInt32());
        Assert.Equal(120, properties.GetProperty("pod_watch_timeout_seconds").GetProperty("default").GetInt32());
        Assert.False(properties.GetProperty("image").TryGetProperty("default", out var image) && image.ValueKind != JsonValueKind.Null);

        (status, var body, _) = await server.PostFormAsync("/work-pools", [new("_csrf", csrf), new("name", "eks"), new("type", "kubernetes")]);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("already exists", body);
        (status, body, _) = await server.PostFormAsync("/work-pools", [new("_csrf", csrf), new("name", "eks2"), new("type", "kubernetes"), new("finished_job_ttl", "soon")]);
        Assert.Equal(HttpStatusCode.UnprocessableContent, status);
        Assert.Contains("whole number of seconds", body);
        Assert.Contains("value=\"eks2\"", body);

        var (_, list, _) = await server.GetAsync("/work-pools");
        Assert.Contains("<div data-variable=\"namespace\"><span class=\"muted\">namespace</span> flows</div>", list);
    }
}
