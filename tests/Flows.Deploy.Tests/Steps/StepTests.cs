using System.Text.Json.Nodes;
using Flows.Deploy.Git;
using Flows.Deploy.Steps;

namespace Flows.Deploy.Tests.Steps;

public class StepTests
{
    private static Task<JsonObject> Run(IDeploymentStep step, JsonObject inputs) =>
        step.RunAsync(new StepInvocation(inputs, TestSupport.RepoRoot, null, _ => null, new StepRecorder()));

    [Fact]
    public void TheGitReaderAgreesWithGit()
    {
        var head = GitRepository.ReadHead(TestSupport.RepoRoot);
        Assert.Equal(TestSupport.Git("rev-parse", "HEAD"), head.Sha);
        Assert.Equal(TestSupport.Git("rev-parse", "--short", "HEAD"), head.ShortSha);
    }

    [Fact]
    public async Task TheGitStepReportsShaAndDirtiness()
    {
        var outputs = await Run(new GitCommitStep(), []);
        Assert.Equal(TestSupport.Git("rev-parse", "HEAD"), outputs["sha"]!.GetValue<string>());
        Assert.Equal(TestSupport.Git("status", "--porcelain", "--untracked-files=no").Length > 0, outputs["dirty"]!.GetValue<bool>());
    }

    [Fact]
    public async Task ShellScriptLinesRunWithoutAShellAsPrefectSplitsThem()
    {
        var outputs = await Run(new RunShellScriptStep(), new JsonObject
        {
            ["script"] = "echo 'a  b' \"$GREETING\"\necho ${GREETING}-x $$ $UNSET_VAR_FOR_TEST",
            ["env"] = new JsonObject { ["GREETING"] = "hi" },
            ["expand_env_vars"] = true,
        });
        Assert.Equal("a  b hi\nhi-x $ $UNSET_VAR_FOR_TEST", outputs["stdout"]!.GetValue<string>());
    }

    [Fact]
    public async Task WithoutExpansionDollarsAreLiteralAndAShellIsOnlyUsedWhenAskedFor()
    {
        var literal = await Run(new RunShellScriptStep(), new JsonObject { ["script"] = "echo $HOME | tr a-z A-Z" });
        Assert.Equal("$HOME | tr a-z A-Z", literal["stdout"]!.GetValue<string>());
        var shell = await Run(new RunShellScriptStep(), new JsonObject { ["script"] = "echo abc | tr a-z A-Z", ["shell"] = true });
        Assert.Equal("ABC", shell["stdout"]!.GetValue<string>());
    }

    [Fact]
    public async Task AFailingLineIsAFailureWithItsStderr()
    {
        var ex = await Assert.ThrowsAsync<StepException>(() => Run(new RunShellScriptStep(), new JsonObject { ["script"] = "ls /definitely/not/here" }));
        Assert.False(ex.BadInput);
        Assert.Contains("/definitely/not/here", ex.Message);
    }

    [Fact]
    public async Task TheImageStepIsPlannedNotRun()
    {
        var recorder = new StepRecorder();
        var step = new BuildDockerImageStep();
        var outputs = await step.RunAsync(new StepInvocation(new JsonObject { ["image_name"] = "r.example/x", ["tag"] = "abc", ["platform"] = "linux/amd64" },
            TestSupport.RepoRoot, "/p/app.csproj", _ => null, recorder));
        Assert.Equal("r.example/x:abc", outputs["image"]!.GetValue<string>());
        Assert.Equal(new Flows.Deploy.Planning.PlannedImage("r.example/x", "abc", "linux/amd64", "app.csproj", "auto"), Assert.Single(recorder.Images));
        await Assert.ThrowsAsync<StepException>(() => step.RunAsync(new StepInvocation(new JsonObject { ["image_name"] = "r.example/x", ["tag"] = "bad tag" },
            TestSupport.RepoRoot, null, _ => null, recorder)));
    }
}
