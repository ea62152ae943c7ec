using System.Text.Json.Nodes;
using Flows.Workers.Rendering;

namespace Flows.Workers.Tests;

/// <summary>Prefect's rendering rules for base job templates.</summary>
public sealed class JobConfigurationRendererTests
{
    private static JsonObject Template() => JsonNode.Parse("""
        {
          "job_configuration": {
            "command": "{{ command }}",
            "env": "{{ env }}",
            "name": "{{ name }}",
            "stream_output": "{{ stream_output }}",
            "labels": { "run": "{{ ctx.flow_run.id }}", "deployment": "{{ ctx.deployment.name }}" },
            "greeting": "hello {{ who }} from {{ ctx.flow_run.name }}",
            "args": ["{{ first }}", "{{ missing }}", "fixed"]
          },
          "variables": {
            "type": "object",
            "properties": {
              "command": { "type": "string" },
              "env": { "type": "object", "default": { "A": "template", "B": "template" } },
              "name": { "type": "string" },
              "stream_output": { "type": "boolean", "default": true },
              "who": { "type": "string", "default": "world" },
              "first": { "type": "integer", "default": 1 }
            }
          }
        }
        """)!.AsObject();

    private static readonly JsonObject Context = JsonNode.Parse("""{ "flow_run": { "id": "abc", "name": "quick-raven" }, "deployment": { "name": "arthur" } }""")!.AsObject();

    [Fact]
    public void Defaults_fill_whole_placeholders_with_their_json_values_and_unset_ones_are_removed()
    {
        var job = JobConfigurationRenderer.Render(Template(), null, null, Context);

        Assert.False(job.ContainsKey("command"));
        Assert.False(job.ContainsKey("name"));
        Assert.True((bool)job["stream_output"]!);
        Assert.Equal("""{"A":"template","B":"template"}""", job["env"]!.ToJsonString());
        Assert.Equal("""[1,"fixed"]""", job["args"]!.ToJsonString());
    }

    [Fact]
    public void Deployment_then_run_variables_override_and_env_is_merged_key_by_key()
    {
        var deployment = JsonNode.Parse("""{ "command": "dotnet app.dll", "env": { "B": "deployment", "C": "deployment" }, "stream_output": false }""")!.AsObject();
        var run = JsonNode.Parse("""{ "env": { "C": "run" }, "who": "Arthur" }""")!.AsObject();

        var job = JobConfigurationRenderer.Render(Template(), deployment, run, Context);

        Assert.Equal("dotnet app.dll", (string?)job["command"]);
        Assert.False((bool)job["stream_output"]!);
        Assert.Equal("""{"A":"template","B":"deployment","C":"run"}""", job["env"]!.ToJsonString());
        Assert.Equal("hello Arthur from quick-raven", (string?)job["greeting"]);
    }

    [Fact]
    public void Context_references_resolve_and_unknown_ones_are_removed()
    {
        var job = JobConfigurationRenderer.Render(Template(), null, null, Context);

        Assert.Equal("abc", (string?)job["labels"]!["run"]);
        Assert.Equal("arthur", (string?)job["labels"]!["deployment"]);
        var withoutDeployment = JobConfigurationRenderer.Render(Template(), null, null, JsonNode.Parse("""{ "flow_run": { "id": "x", "name": "n" } }""")!.AsObject());
        Assert.False(withoutDeployment["labels"]!.AsObject().ContainsKey("deployment"));
    }

    [Fact]
    public void A_null_override_unsets_a_default()
    {
        var job = JobConfigurationRenderer.Render(Template(), JsonNode.Parse("""{ "stream_output": null }""")!.AsObject(), null, Context);

        Assert.False(job.ContainsKey("stream_output"));
    }
}
