using Flows.Deploy.Diagnostics;
using Flows.Deploy.Validation;

namespace Flows.Deploy.Tests.Validation;

public class DeploymentValidatorTests
{
    private const string CountManifest = """
        {"schema_version":1,"assembly":"app","flows":[{"name":"count","method":"App.Flows.Count","source_file":"Flows.cs","line":7,
         "description":null,"is_async":false,"parameter_openapi_schema":{"title":"Parameters","type":"object",
         "properties":{"n":{"title":"n","position":0,"type":"integer"}},"required":["n"],"definitions":{}}}]}
        """;

    private static string Project(string yaml)
    {
        var dir = TestSupport.TempDirectory();
        File.WriteAllText(Path.Combine(dir, "prefect.yaml"), yaml);
        File.WriteAllText(Path.Combine(dir, "app.csproj"), """<Project Sdk="Microsoft.NET.Sdk" />""");
        return Path.Combine(dir, "app.csproj");
    }

    private static Task<ValidationResult> Validate(string projectFile, string? manifest = null, Func<string, string?>? environment = null) =>
        new DeploymentValidator().ValidateAsync(new ValidationRequest
        {
            ProjectFile = projectFile,
            ManifestAssembly = manifest ?? TestSupport.ManifestFile(),
            Environment = environment ?? (_ => null),
        });

    [Fact]
    public async Task TheSeedFileIsValidWithoutAServerAnImageNameOrGit()
    {
        var result = await Validate(Path.Combine(TestSupport.Sample("hello"), "hello.csproj"));

        Assert.True(result.Complete);
        Assert.Empty(result.Diagnostics); // in particular no FLOWS1701: a build asks no server about work pools
        Assert.Equal(2, result.Deployments);
        Assert.Equal(["PREFECT_IMAGE_NAME"], result.UnsetVariables);
    }

    [Fact]
    public async Task TheCsprojSampleIsValidToo()
    {
        var result = await Validate(Path.Combine(TestSupport.Sample("hello-csproj"), "hello-csproj.csproj"));

        Assert.True(result.Complete);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(2, result.Deployments);
    }

    [Fact]
    public async Task AParameterOfTheWrongTypeIsAnErrorAtItsValue()
    {
        var project = Project("""
            deployments:
            - name: default
              entrypoint: HelloFlows.cs:hello
              work_pool: {name: k8s}
              parameters:
                name: 42
            """);

        var result = await Validate(project);

        var error = Assert.Single(result.Diagnostics);
        Assert.Equal((DiagnosticCodes.ParameterInvalid, true, 6, 11), (error.Code, error.IsError, error.Line, error.Column));
        Assert.EndsWith("prefect.yaml", error.File, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildStepsDoNotRunAndTheirOutputsArePlaceholders()
    {
        var marker = Path.Combine(TestSupport.TempDirectory(), "ran.txt");
        var project = Project($"""
            build:
            - prefect.deployments.steps.run_shell_script:
                id: sh
                script: touch {marker}
            - flows.deployments.steps.git_commit:
                id: git
            deployments:
            - name: default
              entrypoint: HelloFlows.cs:hello
              work_pool: {"{"}name: k8s{"}"}
              tags: ["{"{{"} sh.stdout {"}}"}", "{"{{"} git.short_sha {"}}"}"]
            """);

        var result = await Validate(project);

        Assert.Empty(result.Diagnostics);
        Assert.False(File.Exists(marker), "run_shell_script ran during validation");
    }

    [Fact]
    public async Task AParameterComputedByAPlaceholderIsLeftToTheDeploy()
    {
        var project = Project("""
            build:
            - prefect.deployments.steps.run_shell_script:
                id: count
                script: echo 3
            deployments:
            - name: default
              entrypoint: Flows.cs:count
              work_pool: {name: k8s}
              parameters:
                n: "{{ count.stdout }}"
            - name: literal
              entrypoint: Flows.cs:count
              work_pool: {name: k8s}
              parameters:
                n: three
            """);

        var result = await Validate(project, TestSupport.ManifestFile(CountManifest));

        // Only the literal is checked: the placeholder stands for text the deploy may turn into a number.
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal((DiagnosticCodes.ParameterInvalid, 15, 8), (error.Code, error.Line, error.Column));
    }

    [Fact]
    public async Task UnsetVariablesArePlaceholdersUnlessEveryUseHasADefault()
    {
        var project = Project("""
            build:
            - prefect.deployments.steps.run_shell_script:
                script: echo
                expand_env_vars: "{{ $EXPAND ?? true }}"
            deployments:
            - name: default
              entrypoint: HelloFlows.cs:hello
              work_pool: {name: "{{ $POOL }}"}
            """);

        var result = await Validate(project);

        Assert.Empty(result.Diagnostics);
        Assert.Equal(["POOL"], result.UnsetVariables);
    }

    [Fact]
    public async Task WithoutABuiltAssemblyOnlyTheFileIsChecked()
    {
        var valid = Project("""
            deployments:
            - name: default
              entrypoint: Nowhere.cs:missing
            """);
        var missing = Path.Combine(TestSupport.TempDirectory(), "app.dll");

        var partial = await Validate(valid, missing);
        Assert.False(partial.Complete);
        Assert.Empty(partial.Diagnostics);

        var broken = await Validate(Project("deployments:\n- name: [unclosed\n"), missing);
        var error = Assert.Single(broken.Diagnostics);
        Assert.Equal((DiagnosticCodes.YamlInvalid, 3, 1), (error.Code, error.Line, error.Column));
    }

    [Fact]
    public async Task UnknownStepsAndUnresolvedEntrypointsAreErrors()
    {
        var project = Project("""
            build:
            - acme.steps.frobnicate: {}
            deployments:
            - name: default
              entrypoint: HelloFlows.cs:nope
            """);

        var result = await Validate(project);

        Assert.Equal([DiagnosticCodes.EntrypointUnresolved, DiagnosticCodes.StepUnknown], result.Diagnostics.Select(d => d.Code).Order());
        Assert.All(result.Diagnostics, d => Assert.True(d.IsError));
    }
}
