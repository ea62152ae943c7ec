using System.Text.Json.Nodes;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Planning;
using Flows.Deploy.Steps;

namespace Flows.Deploy.Tests.Steps;

/// <summary><c>run_shell_script</c> with <c>shell: true</c>: a value (a template, or an env var with expand_env_vars) is
/// never turned into shell text, so one holding <c>$(…)</c> or <c>;</c> cannot run a command.</summary>
public class ShellScriptTemplatesTests
{
    private const string Hostile = "main; touch pwned-by-template";

    private static async Task<(DeploymentPlan? Plan, DeployException? Error, string Dir)> PlanAsync(string step)
    {
        var dir = TestSupport.TempDirectory();
        File.WriteAllText(Path.Combine(dir, "prefect.yaml"), $$$"""
            build:
            - prefect.deployments.steps.run_shell_script:
                id: say
                shell: true
            {{{step}}}
            deployments:
            - name: a
              entrypoint: HelloFlows.cs:hello
              description: "{{ say.stdout }}"
            """);
        var request = new DeployRequest
        {
            Project = dir, ManifestAssembly = TestSupport.ManifestFile(), All = true, DryRun = true,
            Environment = name => name == "BRANCH" ? Hostile : TestSupport.Env(name),
        };
        try
        {
            return (await new DeploymentPlanner().PlanAsync(request), null, dir);
        }
        catch (DeployException e)
        {
            return (null, e, dir);
        }
    }

    [Fact]
    public async Task A_template_in_shell_text_is_refused_at_its_line_with_the_env_form_as_the_fix()
    {
        var (_, error, dir) = await PlanAsync("    script: echo {{ $BRANCH }}");
        var d = Assert.Single(error!.Diagnostics);
        Assert.Equal((DiagnosticCodes.ShellScriptTemplated, 5), (d.Code, d.Line));
        Assert.Contains("{{ $BRANCH }}", d.Message, StringComparison.Ordinal);
        Assert.Contains("env: {VALUE: \"{{ $BRANCH }}\"}", d.Fix, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "pwned-by-template")));
    }

    [Fact]
    public async Task The_same_value_through_env_reaches_the_script_as_data()
    {
        var (plan, error, dir) = await PlanAsync("    env: {VALUE: \"{{ $BRANCH }}\"}\n    script: echo \"$VALUE\"");
        Assert.Null(error);
        Assert.Equal(Hostile, Assert.Single(plan!.Deployments).Body.Description);
        Assert.False(File.Exists(Path.Combine(dir, "pwned-by-template")));
    }

    [Fact]
    public async Task Expand_env_vars_with_a_shell_leaves_expansion_to_the_shell()
    {
        var dir = TestSupport.TempDirectory();
        var outputs = await new RunShellScriptStep().RunAsync(new StepInvocation(new JsonObject
        {
            ["script"] = "echo \"$VALUE\"",
            ["env"] = new JsonObject { ["VALUE"] = "$(touch pwned-by-env)" },
            ["expand_env_vars"] = true,
            ["shell"] = true,
        }, dir, null, _ => null, new StepRecorder()));
        Assert.Equal("$(touch pwned-by-env)", outputs["stdout"]!.GetValue<string>());
        Assert.False(File.Exists(Path.Combine(dir, "pwned-by-env")));
    }

    [Fact]
    public async Task Without_a_shell_templates_stay_allowed_and_are_data()
    {
        var (plan, error, _) = await PlanWithoutShellAsync();
        Assert.Null(error);
        Assert.Equal(Hostile, Assert.Single(plan!.Deployments).Body.Description);
    }

    private static async Task<(DeploymentPlan? Plan, DeployException? Error, string Dir)> PlanWithoutShellAsync()
    {
        var dir = TestSupport.TempDirectory();
        File.WriteAllText(Path.Combine(dir, "prefect.yaml"), """
            build:
            - prefect.deployments.steps.run_shell_script:
                id: say
                script: echo "{{ $BRANCH }}"
            deployments:
            - name: a
              entrypoint: HelloFlows.cs:hello
              description: "{{ say.stdout }}"
            """);
        var request = new DeployRequest
        {
            Project = dir, ManifestAssembly = TestSupport.ManifestFile(), All = true, DryRun = true,
            Environment = name => name == "BRANCH" ? Hostile : TestSupport.Env(name),
        };
        return (await new DeploymentPlanner().PlanAsync(request), null, dir);
    }
}
