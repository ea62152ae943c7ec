using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Flows.Api.Models;
using Flows.Server.Ui;

namespace Flows.Ui.Tests;

/// <summary>Every value from the database is HTML-encoded: hostile text shows as text on every page.</summary>
public sealed partial class UiHtmlTests
{
    [Fact]
    public void Holes_are_encoded_unless_they_are_markup()
    {
        var text = "<&>\"'";
        var markup = Html.Raw("<b>ok</b>");
        Assert.Equal("<p title=\"&lt;&amp;&gt;&quot;&#39;\">&lt;&amp;&gt;&quot;&#39; <b>ok</b> 42</p>", Html.H($"<p title=\"{text}\">{text} {markup} {42}</p>").Value);
    }

    [Fact]
    public async Task Hostile_names_messages_and_parameters_are_shown_as_text_on_every_page()
    {
        await using var server = await UiServer.StartAsync();
        var api = server.Client;
        const string Script = "<script>alert(1)</script>";
        const string Img = "\"><img src=x onerror=alert(2)>";
        var pool = await api.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = "pool", Type = "process", Description = Script });
        await api.WorkPools.SendWorkerHeartbeatAsync("pool", new WorkerHeartbeat { Name = "w1" });
        var flow = await api.Flows.CreateFlowAsync(new FlowCreate { Name = "hostile", Tags = [Img] });
        var property = new Dictionary<string, object> { ["type"] = "string", ["title"] = Script, ["description"] = Img, ["default"] = Img };
        var schema = JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["type"] = "object", ["properties"] = new Dictionary<string, object> { ["who</label><script>alert(3)</script>"] = property },
        });
        var deployment = await api.Deployments.CreateDeploymentAsync(new DeploymentCreate
        {
            Name = "d", FlowId = flow.Id, WorkPoolName = pool.Name, Description = Script, Tags = [Img], ParameterOpenapiSchema = schema,
            JobVariables = new Dictionary<string, JsonElement> { ["image"] = JsonSerializer.SerializeToElement("reg/x:1@sha256:" + Script) },
            Parameters = new Dictionary<string, JsonElement> { ["other"] = JsonSerializer.SerializeToElement("</pre>" + Script) },
            EnforceParameterSchema = false,
        });
        var run = await api.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id, new DeploymentFlowRunCreate { Name = Script, Tags = [Img] });
        await api.FlowRuns.SetFlowRunStateAsync(run.Id, new StateCreate { Type = StateType.Failed, Name = Script, Message = Img });
        await api.Logs.CreateLogsAsync([new LogCreate { Name = "x", Level = 40, Message = Img + Script, Timestamp = DateTimeOffset.UtcNow, FlowRunId = run.Id }]);

        foreach (var path in new[] { "/", "/?state=FAILED", "/deployments", $"/deployments/{deployment.Id}", $"/runs/{run.Id}", $"/runs/{run.Id}?tail=1", "/work-pools" })
        {
            var (status, body, _) = await server.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.DoesNotContain("<script>alert", body);
            Assert.DoesNotContain("<img", body);
            Assert.DoesNotContain("</label><script", body);
            Assert.DoesNotContain("</pre><script", body);
            // The only script element is the server's own file.
            Assert.Equal(["<script src=\"/ui/assets/app.js\" defer>"], ScriptTags().Matches(body).Select(m => m.Value));
        }

        var runPage = (await server.GetAsync($"/runs/{run.Id}")).Body;
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", runPage);
        Assert.Contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;", runPage);
        var deploymentPage = (await server.GetAsync($"/deployments/{deployment.Id}")).Body;
        Assert.Contains("value=\"&quot;&gt;&lt;img src=x onerror=alert(2)&gt;\"", deploymentPage);
        var (_, runsPage, response) = await server.GetAsync("/");
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", runsPage);
    }

    [GeneratedRegex("<script[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptTags();
}
