using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Api.Json;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Planning;

namespace Flows.Deploy.Tests.Planning;

public class DeploymentPlannerTests
{
    private static DeployRequest Request(string project, string? manifest = null) => new()
    {
        Project = project,
        ManifestAssembly = manifest ?? TestSupport.ManifestFile(),
        All = true,
        DryRun = true,
        Environment = TestSupport.Env,
    };

    private static Task<DeploymentPlan> Plan(DeployRequest request) => new DeploymentPlanner().PlanAsync(request);

    private static async Task<DeployException> PlanFails(DeployRequest request) => await Assert.ThrowsAsync<DeployException>(() => Plan(request));

    private static string Yaml(string yaml, string? csproj = null)
    {
        var dir = TestSupport.TempDirectory();
        File.WriteAllText(Path.Combine(dir, "prefect.yaml"), yaml);
        if (csproj is not null)
        {
            File.WriteAllText(Path.Combine(dir, "app.csproj"), csproj);
        }

        return dir;
    }

    [Fact]
    public async Task TheSeedFilePlansBothDeploymentsWithTheImageOnce()
    {
        var plan = await Plan(Request(TestSupport.Sample("hello")));
        var sha = TestSupport.Git("rev-parse", "--short", "HEAD");

        var image = Assert.Single(plan.Images);
        Assert.Equal(new PlannedImage(TestSupport.ImageName, sha, "linux/amd64", "hello.csproj", "auto"), image);
        Assert.Equal(["hello/default", "hello/arthur"], plan.Deployments.Select(d => d.FullName));
        foreach (var d in plan.Deployments)
        {
            Assert.Equal(["eks", sha], d.Body.Tags);
            Assert.Equal("kubernetes", d.Body.WorkPoolName);
            Assert.Equal($"{TestSupport.ImageName}:{sha}", d.Body.JobVariables!["image"].GetString());
            Assert.Equal("HelloFlows.cs:hello", d.Body.Entrypoint);
            Assert.Empty(d.Body.Schedules!);
            Assert.Equal("""[{"prefect.deployments.steps.set_working_directory":{"directory":"/opt/prefect/flows"}}]""", d.Body.PullSteps!.Value.GetRawText());
            Assert.Equal("Marvin", d.Body.ParameterOpenapiSchema!.Value.GetProperty("properties").GetProperty("name").GetProperty("default").GetString());
        }

        Assert.Empty(plan.Deployments[0].Body.Parameters!);
        Assert.Equal("Arthur", plan.Deployments[1].Body.Parameters!["name"].GetString());
        // No server in a dry run: the pool is a warning, not an error.
        Assert.Contains(plan.Warnings, w => w.Code == DiagnosticCodes.WorkPoolUnchecked && !w.IsError);
    }

    [Fact]
    public async Task EveryBodyMatchesDeploymentCreateInTheOpenApiSubset()
    {
        var plan = await Plan(Request(TestSupport.Sample("hello")));
        foreach (var d in plan.Deployments)
        {
            TestSupport.AssertMatchesOpenApi("DeploymentCreate", JsonSerializer.Serialize(d.Body, PrefectJson.Options));
        }
    }

    [Fact]
    public async Task TheCsprojVariantPlansTheSameDeployments()
    {
        var yaml = await Plan(Request(TestSupport.Sample("hello")));
        var csproj = await Plan(Request(TestSupport.Sample("hello-csproj")));
        Assert.Equal(Bodies(yaml), Bodies(csproj));
        Assert.Equal(yaml.Images.Select(i => i with { Project = null }), csproj.Images.Select(i => i with { Project = null }));
        Assert.Equal("hello-csproj.csproj", Assert.Single(csproj.Images).Project);

        static string Bodies(DeploymentPlan plan) => PlanJson.ToJson(plan)["deployments"]!.ToJsonString();
    }

    [Fact]
    public async Task AMissingEnvironmentVariableNamesTheLineAndColumnOfThePlaceholder()
    {
        var ex = await PlanFails(Request(TestSupport.Sample("hello")) with { Environment = _ => null });
        var d = Assert.Single(ex.Diagnostics);
        Assert.Equal(DiagnosticCodes.TemplateMissingEnv, d.Code);
        Assert.EndsWith("prefect.yaml", d.File);
        Assert.Equal((16, 17), (d.Line, d.Column)); // image_name: "{{ $PREFECT_IMAGE_NAME }}"
        Assert.Contains("PREFECT_IMAGE_NAME", d.ToString());
        Assert.True(ex.BadInput);
    }

    [Fact]
    public async Task ParametersAreCheckedAgainstTheFlowSchemaAndEveryDeploymentIsReported()
    {
        var dir = Yaml("""
            deployments:
            - name: wrong-type
              entrypoint: HelloFlows.cs:hello
              parameters:
                name: 42
            - name: unknown
              entrypoint: HelloFlows.cs:hello
              parameters:
                nmae: Arthur
            """);
        var ex = await PlanFails(Request(dir));
        Assert.Collection(ex.Diagnostics.OrderBy(d => d.Line),
            d => Assert.Equal((DiagnosticCodes.ParameterInvalid, 5, 11), (d.Code, d.Line, d.Column)),
            d => Assert.Equal((DiagnosticCodes.ParameterUnknown, 9, 11), (d.Code, d.Line, d.Column)));
        Assert.Contains("Its parameters are: name", ex.Diagnostics[1].ToString());
    }

    [Fact]
    public async Task AMissingRequiredParameterIsAnError()
    {
        var manifest = TestSupport.ManifestFile(TestSupport.HelloManifest.Replace("\"default\":\"Marvin\"},", "},").Replace("\"required\":[]", "\"required\":[\"name\"]"));
        var dir = Yaml("deployments:\n- name: d\n  entrypoint: HelloFlows.cs:hello\n");
        var ex = await PlanFails(Request(dir, manifest));
        Assert.Equal(DiagnosticCodes.ParameterMissing, Assert.Single(ex.Diagnostics).Code);

        var ok = await Plan(Request(dir, manifest) with { Parameters = new JsonObject { ["name"] = "Ford" } });
        Assert.Equal("Ford", ok.Deployments[0].Body.Parameters!["name"].GetString());
    }

    [Fact]
    public async Task RecordParametersAreCheckedThroughDefinitions()
    {
        var manifest = TestSupport.ManifestFile("""
            {"schema_version":1,"assembly":"a","flows":[{"name":"etl","method":"A.B.Etl","source_file":"Etl.cs","line":1,"description":null,"is_async":true,
             "parameter_openapi_schema":{"title":"Parameters","type":"object","properties":{"options":{"title":"options","position":0,"allOf":[{"$ref":"#/definitions/Options"}]}},
             "required":["options"],"definitions":{"Options":{"title":"Options","type":"object","properties":{"retries":{"title":"retries","type":"integer"}},"required":["retries"]}}}}]}
            """);
        var dir = Yaml("deployments:\n- name: d\n  entrypoint: Etl.cs:etl\n  parameters:\n    options:\n      retries: many\n");
        var ex = await PlanFails(Request(dir, manifest));
        Assert.Equal(DiagnosticCodes.ParameterInvalid, Assert.Single(ex.Diagnostics).Code);
        Assert.Contains("retries", ex.Diagnostics[0].Message);

        File.WriteAllText(Path.Combine(dir, "prefect.yaml"), "deployments:\n- name: d\n  entrypoint: Etl.cs:etl\n  parameters:\n    options:\n      retries: 3\n");
        Assert.Single((await Plan(Request(dir, manifest))).Deployments);
    }

    [Fact]
    public async Task ADeploymentsOwnStepListsWinAndAnEmptyListDisablesThem()
    {
        var dir = Yaml("""
            build:
            - prefect_docker.deployments.steps.build_docker_image:
                id: img
                image_name: registry.example/flows
                tag: v1
            deployments:
            - name: global
              entrypoint: HelloFlows.cs:hello
              work_pool: {name: k8s, job_variables: {image: "{{ img.image }}"}}
            - name: own
              entrypoint: HelloFlows.cs:hello
              build:
              - prefect.deployments.steps.run_shell_script:
                  id: echo
                  script: echo own-tag
              work_pool: {name: k8s, job_variables: {image: "registry.example/flows:{{ echo.stdout }}"}}
            - name: none
              entrypoint: HelloFlows.cs:hello
              build: []
              work_pool: {name: k8s, job_variables: {image: "registry.example/flows:pinned"}}
            """);
        var plan = await Plan(Request(dir));
        Assert.Equal("registry.example/flows:v1", Assert.Single(plan.Images).Reference);
        Assert.Equal(["registry.example/flows:v1", "registry.example/flows:own-tag", "registry.example/flows:pinned"],
            plan.Deployments.Select(d => d.Body.JobVariables!["image"].GetString()));
    }

    [Fact]
    public async Task CommandLineOverridesApplyToEveryDeploymentAndJobVariablesMergeDeeply()
    {
        var dir = Yaml("""
            deployments:
            - name: a
              entrypoint: HelloFlows.cs:hello
              tags: [file]
              schedules: [{cron: "0 * * * *"}]
              work_pool: {name: k8s, job_variables: {env: {KEEP: "1"}, image: x:1}}
            - name: b
              entrypoint: HelloFlows.cs:hello
            """);
        var plan = await Plan(Request(dir) with
        {
            Parameters = new JsonObject { ["name"] = "Zaphod" },
            JobVariables = new JsonObject { ["env"] = new JsonObject { ["ADDED"] = "2" } },
            Tags = ["cli"],
            Interval = 600,
            Timezone = "UTC",
            Pool = "other",
        });
        Assert.All(plan.Deployments, d =>
        {
            Assert.Equal("Zaphod", d.Body.Parameters!["name"].GetString());
            Assert.Equal(["cli"], d.Body.Tags);
            Assert.Equal("other", d.Body.WorkPoolName);
            Assert.Equal(600, Assert.Single(d.Body.Schedules!).Schedule.Interval);
            Assert.Equal("2", d.Body.JobVariables!["env"].GetProperty("ADDED").GetString());
        });
        Assert.Equal("1", plan.Deployments[0].Body.JobVariables!["env"].GetProperty("KEEP").GetString());
        Assert.Equal("x:1", plan.Deployments[0].Body.JobVariables!["image"].GetString());
    }

    [Fact]
    public async Task SelectionByNamePlansOnlyTheMatchAndIgnoresOtherBrokenDeployments()
    {
        var dir = Yaml("""
            deployments:
            - name: good
              entrypoint: HelloFlows.cs:hello
            - name: broken
              entrypoint: Missing.cs:nothing
            """);
        var plan = await Plan(Request(dir) with { All = false, Patterns = ["hello/good"] });
        Assert.Equal("hello/good", Assert.Single(plan.Deployments).FullName);

        var ex = await PlanFails(Request(dir));
        var d = Assert.Single(ex.Diagnostics);
        Assert.Equal((DiagnosticCodes.EntrypointUnresolved, 5, 15), (d.Code, d.Line, d.Column));
    }

    [Fact]
    public async Task AStringWhereAListIsExpectedIsAnErrorNotSplit()
    {
        var dir = Yaml("deployments:\n- name: d\n  entrypoint: HelloFlows.cs:hello\n  tags: \"{{ $TAGS }}\"\n");
        var ex = await PlanFails(Request(dir) with { Environment = n => n == "TAGS" ? "a,b" : null });
        var d = Assert.Single(ex.Diagnostics);
        Assert.Equal((DiagnosticCodes.DeploymentInvalid, 4, 9), (d.Code, d.Line, d.Column));
        Assert.Contains("list", d.Message);
    }

    [Fact]
    public async Task AFailingShellStepIsAFailureNotBadInput()
    {
        var dir = Yaml("""
            build:
            - prefect.deployments.steps.run_shell_script:
                script: "false"
            deployments:
            - name: d
              entrypoint: HelloFlows.cs:hello
            """);
        var ex = await PlanFails(Request(dir));
        Assert.False(ex.BadInput);
        Assert.Equal((DiagnosticCodes.StepFailed, 2, 3), (ex.Diagnostics[0].Code, ex.Diagnostics[0].Line, ex.Diagnostics[0].Column));
    }

    [Fact]
    public async Task AnUnknownStepNamesTheKnownOnes()
    {
        var dir = Yaml("build:\n- prefect.deployments.steps.nope: {}\ndeployments:\n- name: d\n  entrypoint: HelloFlows.cs:hello\n");
        var ex = await PlanFails(Request(dir));
        Assert.Equal(DiagnosticCodes.StepUnknown, Assert.Single(ex.Diagnostics).Code);
        Assert.Contains("run_shell_script", ex.Diagnostics[0].Fix);
    }

    [Fact]
    public async Task ARealDeployWithoutAServerStopsOnTheWorkPoolBeforeAnySideEffect()
    {
        var ex = await PlanFails(Request(TestSupport.Sample("hello")) with { DryRun = false });
        Assert.Equal(DiagnosticCodes.WorkPoolUnchecked, Assert.Single(ex.Diagnostics).Code);
    }

    [Fact]
    public async Task PullStepsKeepTheirOwnOutputsForTheWorker()
    {
        var dir = Yaml("""
            pull:
            - prefect.deployments.steps.git_clone:
                id: clone
                repository: https://example.com/repo.git
            - prefect.deployments.steps.set_working_directory:
                directory: "{{ clone.directory }}"
            deployments:
            - name: d
              entrypoint: HelloFlows.cs:hello
            """);
        var plan = await Plan(Request(dir));
        Assert.Contains("{{ clone.directory }}", plan.Deployments[0].Body.PullSteps!.Value.GetRawText());
    }
}
