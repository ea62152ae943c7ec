using System.Diagnostics;
using System.Text.Json.Nodes;
using static Flows.Cli.Tests.CliTestHelper;

namespace Flows.Cli.Tests.Commands;

public class DeployCommandTests
{
    [Fact]
    public async Task DryRunOfTheSeedFilePrintsBothDeploymentBodiesAsJson()
    {
        var (exit, output, error) = await RunAsync("deploy", "--all", "--dry-run", "-o", "json", "--project", Sample("hello"), "--manifest-assembly", Manifest);
        Assert.True(exit == ExitCodes.Ok, error);
        var plan = JsonNode.Parse(output)!.AsObject();
        var image = Assert.Single(plan["images"]!.AsArray())!;
        Assert.Equal(ImageName, image["image_name"]!.GetValue<string>());
        Assert.Equal("linux/amd64", image["platform"]!.GetValue<string>());
        var deployments = plan["deployments"]!.AsArray();
        Assert.Equal(["default", "arthur"], deployments.Select(d => d!["body"]!["name"]!.GetValue<string>()));
        foreach (var d in deployments)
        {
            Assert.Equal("hello", d!["flow_name"]!.GetValue<string>());
            var body = d["body"]!;
            AssertMatchesOpenApi("DeploymentCreate", body.ToJsonString());
            Assert.Equal($"{ImageName}:{image["tag"]!.GetValue<string>()}", body["job_variables"]!["image"]!.GetValue<string>());
            Assert.Equal("kubernetes", body["work_pool_name"]!.GetValue<string>());
        }

        Assert.Equal("Arthur", deployments[1]!["body"]!["parameters"]!["name"]!.GetValue<string>());
        Assert.Contains("warning FLOWS1701", error);
    }

    [Fact]
    public async Task TheCsprojVariantPrintsTheSameDeployments()
    {
        var yaml = await RunAsync("deploy", "--all", "--dry-run", "-o", "json", "--project", Sample("hello"), "--manifest-assembly", Manifest);
        var csproj = await RunAsync("deploy", "--all", "--dry-run", "-o", "json", "--project", Path.Combine(Sample("hello-csproj"), "hello-csproj.csproj"), "--manifest-assembly", Manifest);
        Assert.Equal(ExitCodes.Ok, csproj.Exit);
        Assert.Equal(JsonNode.Parse(yaml.Out)!["deployments"]!.ToJsonString(), JsonNode.Parse(csproj.Out)!["deployments"]!.ToJsonString());
    }

    [Fact]
    public async Task TheTextPlanIsATableAndSaysNothingWasWritten()
    {
        var (exit, output, _) = await RunAsync("deploy", "-n", "hello/arthur", "--dry-run", "--project", Sample("hello"), "--manifest-assembly", Manifest);
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("DEPLOYMENT", output);
        Assert.Contains("hello/arthur", output);
        Assert.DoesNotContain("hello/default", output);
        Assert.Contains("nothing was built, pushed or registered", output);
    }

    [Fact]
    public async Task OverridesReachTheBody()
    {
        var (exit, output, error) = await RunAsync("deploy", "-n", "default", "--dry-run", "-o", "json", "--project", Sample("hello"), "--manifest-assembly", Manifest,
            "--param", "name=Trillian", "--job-variable", "env={\"A\":\"1\"}", "--job-variable", "env={\"B\":\"2\"}", "--tag", "x", "--cron", "0 9 * * *", "--timezone", "UTC", "--pool", "other");
        Assert.True(exit == ExitCodes.Ok, error);
        var body = JsonNode.Parse(output)!["deployments"]![0]!["body"]!;
        Assert.Equal("Trillian", body["parameters"]!["name"]!.GetValue<string>());
        Assert.Equal("""{"A":"1","B":"2"}""", body["job_variables"]!["env"]!.ToJsonString());
        Assert.Equal("""["x"]""", body["tags"]!.ToJsonString());
        Assert.Equal("""[{"active":true,"schedule":{"cron":"0 9 * * *","timezone":"UTC"}}]""", body["schedules"]!.ToJsonString());
        Assert.Equal("other", body["work_pool_name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("deploy", "--dry-run")]                                  // nothing selected
    [InlineData("deploy", "--all", "-n", "x", "--dry-run")]             // two selections
    [InlineData("deploy", "--all", "--param", "novalue", "--dry-run")]  // not k=v
    [InlineData("deploy", "--all", "--params", "[1]", "--dry-run")]     // not an object
    [InlineData("deploy", "--all", "--timezone", "UTC", "--dry-run")]   // timezone alone
    [InlineData("deploy", "--all", "-o", "yaml", "--dry-run")]          // unknown format
    [InlineData("deploy", "--nope")]                                     // unknown option
    [InlineData("deploy", "-n", "nobody/none", "--dry-run")]             // matches nothing
    public async Task BadCommandLinesExitWithTwoAndACode(params string[] args)
    {
        var (exit, _, error) = await RunAsync([.. args, "--project", Sample("hello"), "--manifest-assembly", Manifest]);
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Matches("error FLOWS[0-9]{4}: ", error);
    }

    [Fact]
    public async Task ABadFileNamesFileLineColumnAndTheFix()
    {
        var file = WriteTemp("prefect.yaml", "deployments:\n- name: d\n  entrypoint: HelloFlows.cs:hello\n  parameters:\n    name: [1, 2]\n");
        var (exit, _, error) = await RunAsync("deploy", "--all", "--dry-run", "--project", Path.GetDirectoryName(file)!, "--manifest-assembly", Manifest);
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Matches(@"prefect\.yaml\(5,11\): error FLOWS1312: parameter 'name' .*\. Give it a string\.", error);
    }

    [Fact]
    public async Task WithNoBuildAMissingBuildSaysToBuild()
    {
        var dir = Path.GetDirectoryName(WriteTemp("app.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><ItemGroup><FlowDeployment Include=\"d\" Entrypoint=\"A.cs:a\" /></ItemGroup></Project>"))!;
        var (exit, _, error) = await RunAsync("deploy", "--all", "--dry-run", "--no-build", "--project", dir);
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("error FLOWS1304", error);
        Assert.Contains("dotnet build", error);
        Assert.DoesNotContain("Building", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARealDeployWithoutAServerUsesTheEmbeddedOneAndStopsBeforeAnySideEffectWhenThePoolIsMissing()
    {
        // No PREFECT_API_URL and nothing on the default port: the embedded server on $FLOWS_HOME/flows.db, where the
        // seed's 'kubernetes' pool does not exist, so the deploy stops before building or registering anything.
        var home = Path.Combine(Path.GetTempPath(), "flows-cli-embedded-" + Guid.NewGuid().ToString("N"));
        var environment = new Dictionary<string, string?> { ["FLOWS_HOME"] = home, ["PREFECT_IMAGE_NAME"] = ImageName };
        var output = new StringWriter();
        var error = new StringWriter();
        try
        {
            var exit = await CliApp.InvokeAsync(["deploy", "--all", "--project", Sample("hello"), "--manifest-assembly", Manifest], new CliConsole(output, error, name => environment.GetValueOrDefault(name)));
            Assert.True(exit == ExitCodes.BadInput, $"exit {exit}\n{output}\n{error}");
            Assert.Contains("using the embedded server on", error.ToString(), StringComparison.Ordinal);
            Assert.Contains(home, error.ToString(), StringComparison.Ordinal);
            Assert.Matches("error FLOWS17[0-9]{2}: .*kubernetes", error.ToString());
            Assert.DoesNotContain("Building", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(home))
            {
                Directory.Delete(home, recursive: true);
            }
        }
    }

    [Fact]
    public async Task ADryRunWithoutAServerStartsNoEmbeddedServer()
    {
        var home = Path.Combine(Path.GetTempPath(), "flows-cli-dry-" + Guid.NewGuid().ToString("N"));
        var environment = new Dictionary<string, string?> { ["FLOWS_HOME"] = home, ["PREFECT_IMAGE_NAME"] = ImageName };
        var error = new StringWriter();
        var exit = await CliApp.InvokeAsync(["deploy", "--all", "--dry-run", "--project", Sample("hello"), "--manifest-assembly", Manifest], new CliConsole(new StringWriter(), error, name => environment.GetValueOrDefault(name)));
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("warning FLOWS1701", error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(home), "a dry run created the embedded server's database");
    }

    [Fact]
    public async Task HelpIsAvailableEverywhere()
    {
        var root = await RunAsync("--help");
        Assert.Equal(ExitCodes.Ok, root.Exit);
        Assert.Contains("deploy", root.Out);
        var deploy = await RunAsync("deploy", "--help");
        Assert.Equal(ExitCodes.Ok, deploy.Exit);
        foreach (var option in new[] { "--all", "--name", "--param", "--params", "--job-variable", "--tag", "--cron", "--interval", "--timezone", "--pool", "--prefect-file", "--project", "--dry-run", "--output", "--manifest-assembly" })
        {
            Assert.Contains(option, deploy.Out);
        }
    }

    [Fact]
    public async Task RandomFilesAndTemplatesOnlyEverFailCleanly()
    {
        // Property-style: random YAML shapes and random placeholder soup; the tool must answer 0 or 2 with coded
        // diagnostics, never crash (1 would mean an unhandled path here: no step in these files can fail) or hang.
        var random = new Random(20240611);
        string[] atoms = ["{{", "}}", "{{ $X }}", "{{ $X ?? d }}", "{{ a.b }}", "{{ ctx.flow_run.name }}", "{{ prefect.blocks.x }}", "$", "??", ":", "-", "[", "]", "{", "}", "\"", "'", "&a", "*a", "<<", "name", "\n", "\n  ", " ", "0", "true", "null", "é", "#"];
        string[] keys = ["name", "entrypoint", "tags", "parameters", "schedule", "schedules", "work_pool", "version", "description", "concurrency_limit", "paused", "pull", "flow_name"];
        var dir = Path.GetDirectoryName(WriteTemp("prefect.yaml", ""))!;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 300; i++)
        {
            string Soup(int n) => string.Concat(Enumerable.Range(0, n).Select(_ => atoms[random.Next(atoms.Length)]));
            var yaml = random.Next(3) switch
            {
                0 => Soup(random.Next(1, 40)),
                1 => "deployments:\n- name: d\n  entrypoint: HelloFlows.cs:hello\n" + string.Concat(Enumerable.Range(0, random.Next(1, 4)).Select(_ => $"  {keys[random.Next(keys.Length)]}: \"{Soup(random.Next(1, 6)).Replace("\"", "", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal)}\"\n")),
                _ => $"deployments:\n- name: d\n  entrypoint: HelloFlows.cs:hello\n  parameters:\n    name: {Soup(random.Next(1, 8))}\n  tags: [{Soup(random.Next(1, 5))}]\n",
            };
            File.WriteAllText(Path.Combine(dir, "prefect.yaml"), yaml);
            var (exit, output, error) = await RunAsync("deploy", "--all", "--dry-run", "--project", dir, "--manifest-assembly", Manifest);
            Assert.True(exit is ExitCodes.Ok or ExitCodes.BadInput, $"exit {exit} for:\n{yaml}\n{error}");
            if (exit == ExitCodes.BadInput)
            {
                Assert.Matches("error FLOWS[0-9]{4}: ", error);
            }
            else
            {
                Assert.Contains("planned", output);
            }
        }

        Assert.True(watch.Elapsed < TimeSpan.FromMinutes(2), $"300 random plans took {watch.Elapsed}");
    }
}
