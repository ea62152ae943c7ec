using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Deploy.Planning;
using Flows.Deploy.Steps;

namespace Flows.Deploy.Tests.Docker;

/// <summary>The image step's prefect-docker build inputs: buildargs, additional_tags, ignore_cache.</summary>
public class DockerfileImageStepInputsTests
{
    private static async Task<StepRecorder> Plan(JsonObject inputs)
    {
        var recorder = new StepRecorder();
        await new BuildDockerImageStep().RunAsync(new StepInvocation(inputs, TestSupport.RepoRoot, "/p/app.csproj", _ => null, recorder));
        return recorder;
    }

    private static JsonObject Inputs(string json) => (JsonObject)JsonNode.Parse(json)!;

    [Fact]
    public async Task BuildInputsArePlannedWithTheImage()
    {
        var recorder = await Plan(Inputs("""{"image_name":"r.example/x","tag":"abc","dockerfile":"Dockerfile","buildargs":{"A":"1","B":2,"C":true},"additional_tags":["latest","stable","latest"],"ignore_cache":true}"""));
        var image = Assert.Single(recorder.Images);
        Assert.Equal(new Dictionary<string, string> { ["A"] = "1", ["B"] = "2", ["C"] = "true" }, image.BuildArgs);
        Assert.Equal(["latest", "stable"], image.AdditionalTags);
        Assert.True(image.IgnoreCache);

        // planned twice with equal inputs (different objects): one image
        await new BuildDockerImageStep().RunAsync(new StepInvocation(Inputs("""{"image_name":"r.example/x","tag":"abc","dockerfile":"Dockerfile","buildargs":{"C":"true","A":"1","B":"2"},"additional_tags":["latest","stable"],"ignore_cache":true}"""),
            TestSupport.RepoRoot, "/p/app.csproj", _ => null, recorder));
        Assert.Single(recorder.Images);
    }

    [Fact]
    public void WithoutTheNewInputsThePlanJsonIsUnchanged()
    {
        var json = JsonSerializer.Serialize(new PlannedImage("r.example/x", "abc", null, "app.csproj", "auto"));
        Assert.Equal("""{"image_name":"r.example/x","tag":"abc","platform":null,"project":"app.csproj","dockerfile":"auto"}""", json);
        var full = JsonSerializer.Serialize(new PlannedImage("r.example/x", "abc", null, null, "Dockerfile", new Dictionary<string, string> { ["A"] = "1" }, ["t"], false));
        Assert.Contains("\"build_args\":{\"A\":\"1\"},\"additional_tags\":[\"t\"],\"ignore_cache\":false", full);
    }

    [Theory]
    [InlineData("""{"image_name":"r.example/x","buildargs":{"A":"1"}}""", "SDK container build takes no build args")]
    [InlineData("""{"image_name":"r.example/x","dockerfile":"Dockerfile","buildargs":["A=1"]}""", "'buildargs' must be a mapping")]
    [InlineData("""{"image_name":"r.example/x","dockerfile":"Dockerfile","buildargs":{"A":{"x":1}}}""", "'buildargs.A' must be text")]
    [InlineData("""{"image_name":"r.example/x","dockerfile":"Dockerfile","buildargs":{"A":null}}""", "'buildargs.A' must be text")]
    [InlineData("""{"image_name":"r.example/x","dockerfile":"Dockerfile","buildargs":{"A B":"1"}}""", "not a build arg name")]
    [InlineData("""{"image_name":"r.example/x","additional_tags":"latest"}""", "'additional_tags' must be a list")]
    [InlineData("""{"image_name":"r.example/x","additional_tags":["ok","-bad"]}""", "additional tag '-bad' is not a valid image tag")]
    [InlineData("""{"image_name":"r.example/x","additional_tags":[1]}""", "'additional_tags' holds number")]
    [InlineData("""{"image_name":"r.example/x","ignore_cache":"maybe"}""", "'ignore_cache' must be true or false")]
    public async Task BadBuildInputsAreClearStepErrors(string inputs, string message)
    {
        var e = await Assert.ThrowsAsync<StepException>(() => Plan(Inputs(inputs)));
        Assert.True(e.BadInput);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public async Task IgnoreCacheWithAutoIsAWarning()
    {
        var recorder = await Plan(Inputs("""{"image_name":"r.example/x","ignore_cache":true}"""));
        Assert.Contains("no effect", Assert.Single(recorder.Warnings));
    }
}
