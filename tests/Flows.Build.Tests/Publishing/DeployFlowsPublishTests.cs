using System.Net;
using System.Text.Json;
using Flows.Deploy.Tests.Publishing;

namespace Flows.Build.Tests.Publishing;

/// <summary><c>dotnet publish -p:DeployFlows=true</c> end to end: real SDK, real registries, real server.</summary>
[Collection(PublishCollection.Name)]
public sealed class DeployFlowsPublishTests(PublishFixture fixture, ITestOutputHelper output)
{
    private static string UniqueRepository(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private PublishRun Log(PublishRun run, string what)
    {
        output.WriteLine($"--- {what}: exit {run.ExitCode}, {run.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine(run.Output);
        return run;
    }

    [Fact]
    public async Task Publish_pushes_the_sha_tag_registers_pinned_deployments_and_an_unchanged_republish_pushes_nothing()
    {
        var project = new SampleProject(fixture, "roundtrip");
        var sha = await Dotnet.GitAsync(project.Directory, "rev-parse", "HEAD");
        var repository = UniqueRepository("hello");
        var imageName = $"{PublishFixture.PlainRegistry}/{repository}";

        var first = Log(await project.PublishAsync(imageName, null, "FlowsContainerExtraTags=latest"), "first publish");
        Assert.True(first.ExitCode == 0, first.ToString());

        var image = project.ImageJson;
        var digest = image["digest"]!.GetValue<string>();
        var expected = $"{imageName}:{sha[..7]}@{digest}";
        Assert.Equal(expected, image["image"]!.GetValue<string>());
        Assert.Equal(sha, image["git_sha"]!.GetValue<string>());
        Assert.False(image["dirty"]!.GetValue<bool>());
        Assert.True(image["pushed"]!.GetValue<bool>());
        Assert.True(image["blobs_uploaded"]!.GetValue<int>() > 0);
        Assert.Equal([sha[..7], "latest"], image["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        // The registry holds the manifest under the commit tag and the extra tag, with the digest we pinned.
        Assert.Equal(digest, await RegistryProbe.ManifestDigestAsync(PublishFixture.PlainRegistry, repository, sha[..7]));
        Assert.Equal(digest, await RegistryProbe.ManifestDigestAsync(PublishFixture.PlainRegistry, repository, "latest"));

        // The server has both deployments, their image pinned by digest; deployments.json holds the same bodies.
        var ids = new List<Guid>();
        foreach (var name in new[] { "default", "arthur" })
        {
            var deployment = await fixture.Client.Deployments.ReadDeploymentByNameAsync("hello", name);
            Assert.Equal(expected, deployment.JobVariables["image"].GetString());
            Assert.Contains(sha[..7], deployment.Tags);
            ids.Add(deployment.Id);
        }

        var planned = project.DeploymentsJson["deployments"]!.AsArray();
        Assert.Equal(2, planned.Count);
        Assert.All(planned, d => Assert.Equal(expected, d!["body"]!["job_variables"]!["image"]!.GetValue<string>()));

        // Unchanged republish: the tag exists, so no image is built or pushed, the digest is reused, and the
        // deployments are upserted in place (same ids).
        var second = Log(await project.PublishAsync(imageName, null, "FlowsContainerExtraTags=latest"), "unchanged republish");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("already exists", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Building image", second.Output, StringComparison.Ordinal);
        var again = project.ImageJson;
        Assert.False(again["pushed"]!.GetValue<bool>());
        Assert.Equal(0, again["blobs_uploaded"]!.GetValue<int>());
        Assert.Equal(digest, again["digest"]!.GetValue<string>());
        Assert.Equal(digest, await RegistryProbe.ManifestDigestAsync(PublishFixture.PlainRegistry, repository, sha[..7]));
        Assert.Equal(ids[0], (await fixture.Client.Deployments.ReadDeploymentByNameAsync("hello", "default")).Id);
        Assert.Equal(ids[1], (await fixture.Client.Deployments.ReadDeploymentByNameAsync("hello", "arthur")).Id);
        output.WriteLine($"FIGURES clean publish {first.Elapsed.TotalSeconds:0.0} s, unchanged republish {second.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task Htpasswd_registry_takes_the_SDK_credential_variables_and_the_secret_appears_nowhere()
    {
        var project = new SampleProject(fixture, "auth");
        var repository = UniqueRepository("auth");
        var imageName = $"{PublishFixture.AuthRegistry}/{repository}";
        var env = new Dictionary<string, string?>
        {
            ["DOTNET_CONTAINER_REGISTRY_UNAME"] = "AWS",
            ["DOTNET_CONTAINER_REGISTRY_PWORD"] = fixture.AwsPassword,
        };

        var run = Log(await project.PublishAsync(imageName, env), "publish to htpasswd registry");
        Assert.True(run.ExitCode == 0, run.ToString());
        var digest = project.ImageJson["digest"]!.GetValue<string>();
        var sha = await Dotnet.GitAsync(project.Directory, "rev-parse", "--short=7", "HEAD");
        Assert.Equal(digest, await RegistryProbe.ManifestDigestAsync(PublishFixture.AuthRegistry, repository, sha, fixture.AwsPassword));
        Assert.DoesNotContain(fixture.AwsPassword, run.Output, StringComparison.Ordinal);
        foreach (var file in Directory.EnumerateFiles(project.FlowsDirectory).Where(f => !f.EndsWith(".tar", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(fixture.AwsPassword, await File.ReadAllTextAsync(file), StringComparison.Ordinal);
        }

        // Wrong password: one coded error naming the registry, and still no secret in the output.
        var wrong = Log(await project.PublishAsync(imageName, new Dictionary<string, string?> { ["DOTNET_CONTAINER_REGISTRY_UNAME"] = "AWS", ["DOTNET_CONTAINER_REGISTRY_PWORD"] = "wrong-" + fixture.AwsPassword }), "wrong password");
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("FLOWS3511", wrong.Output, StringComparison.Ordinal);
        Assert.Contains(PublishFixture.AuthRegistry, wrong.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.AwsPassword, wrong.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dirty_tree_is_refused_when_a_clean_tree_is_required_and_otherwise_tagged_dirty()
    {
        var project = new SampleProject(fixture, "dirty");
        var sha = await Dotnet.GitAsync(project.Directory, "rev-parse", "--short=7", "HEAD");
        await File.AppendAllTextAsync(Path.Combine(project.Directory, "HelloFlows.cs"), "\n// an uncommitted change\n");
        var repository = UniqueRepository("dirty");
        var imageName = $"{PublishFixture.PlainRegistry}/{repository}";

        var refused = Log(await project.PublishAsync(imageName, null, "FlowsRequireCleanTree=true"), "dirty, clean required");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("error FLOWS3503", refused.Output, StringComparison.Ordinal);
        Assert.Equal(404, await RegistryProbe.StatusOfRepositoryAsync(PublishFixture.PlainRegistry, repository));

        var dirty = Log(await project.PublishAsync(imageName), "dirty");
        Assert.True(dirty.ExitCode == 0, dirty.ToString());
        Assert.Contains("warning FLOWS3502", dirty.Output, StringComparison.Ordinal);
        Assert.Equal($"{sha}-dirty", project.ImageJson["tags"]![0]!.GetValue<string>());
        Assert.True(project.ImageJson["dirty"]!.GetValue<bool>());
        Assert.NotNull(await RegistryProbe.ManifestDigestAsync(PublishFixture.PlainRegistry, repository, $"{sha}-dirty"));

        // Another uncommitted change: same '-dirty' tag, different content, so it is pushed again rather than reused.
        await File.AppendAllTextAsync(Path.Combine(project.Directory, "HelloFlows.cs"), "// and another\n");
        var again = Log(await project.PublishAsync(imageName), "dirty again");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.True(project.ImageJson["pushed"]!.GetValue<bool>());
        Assert.DoesNotContain("already exists", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_repository_the_CI_sha_is_used_and_without_one_it_is_a_coded_error()
    {
        // The seed file's own shell step runs `git rev-parse`, which rightly fails outside a repository: use a file
        // whose build step does not need git, as a CI job building from a tarball would.
        var yaml = (await File.ReadAllTextAsync(Path.Combine(TestPaths.RepoRoot, "samples", "hello", "prefect.yaml")))
            .Replace("script: git rev-parse --short HEAD", "script: echo from-ci", StringComparison.Ordinal);
        var project = new SampleProject(fixture, "nogit", git: false, prefectYaml: yaml);
        var repository = UniqueRepository("nogit");
        var imageName = $"{PublishFixture.PlainRegistry}/{repository}";
        var none = new Dictionary<string, string?>();
        foreach (var v in Flows.Deploy.Publishing.ImageTagResolver.CiShaVariables)
        {
            none[v] = null;
        }

        var failed = Log(await project.PublishAsync(imageName, none), "no repository, no CI variable");
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("error FLOWS3501", failed.Output, StringComparison.Ordinal);
        Assert.Equal(404, await RegistryProbe.StatusOfRepositoryAsync(PublishFixture.PlainRegistry, repository));

        const string ciSha = "89abcdef0123456789abcdef0123456789abcdef";
        var ci = new Dictionary<string, string?>(none) { ["GITHUB_SHA"] = ciSha };
        var run = Log(await project.PublishAsync(imageName, ci), "no repository, GITHUB_SHA");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(ciSha, project.ImageJson["git_sha"]!.GetValue<string>());
        Assert.NotNull(await RegistryProbe.ManifestDigestAsync(PublishFixture.PlainRegistry, repository, "89abcde"));
    }

    [Fact]
    public async Task An_invalid_deployment_stops_the_publish_before_anything_is_pushed_or_registered()
    {
        var yaml = (await File.ReadAllTextAsync(Path.Combine(TestPaths.RepoRoot, "samples", "hello", "prefect.yaml")))
            .Replace("name: \"arthur\"", "name: \"broken\"", StringComparison.Ordinal)
            .Replace("    name: \"Arthur\"", "    nam: \"Arthur\"", StringComparison.Ordinal);
        var project = new SampleProject(fixture, "invalid", prefectYaml: yaml);
        var repository = UniqueRepository("invalid");

        var run = Log(await project.PublishAsync($"{PublishFixture.PlainRegistry}/{repository}"), "invalid parameter");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Matches(@"prefect\.yaml\(\d+,\d+\): error FLOWS1311", run.Output);
        Assert.Equal(404, await RegistryProbe.StatusOfRepositoryAsync(PublishFixture.PlainRegistry, repository));
        var e = await Assert.ThrowsAnyAsync<Exception>(() => fixture.Client.Deployments.ReadDeploymentByNameAsync("hello", "broken"));
        Assert.Contains("404", e.Message + (e as Flows.Api.Client.PrefectApiException)?.StatusCode.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_cron_stops_the_publish_at_its_line_before_anything_is_pushed_or_registered()
    {
        // Also proves the schedule rules (Flows.Scheduling with Cronos, Ical.Net, NodaTime) load in MSBuild's task host.
        var yaml = (await File.ReadAllTextAsync(Path.Combine(TestPaths.RepoRoot, "samples", "hello", "prefect.yaml")))
            .Replace("name: \"arthur\"", "name: \"nightly\"", StringComparison.Ordinal)
            .Replace("  schedule: null\n  entrypoint: \"HelloFlows.cs:hello\"\n  parameters:", "  schedule: {cron: \"0 3 * * 8\"}\n  entrypoint: \"HelloFlows.cs:hello\"\n  parameters:", StringComparison.Ordinal);
        var lines = yaml.Split('\n');
        var line = Array.FindIndex(lines, l => l.Contains("0 3 * * 8", StringComparison.Ordinal));
        Assert.True(line > 0, "the sample changed: no schedule line to break");
        var project = new SampleProject(fixture, "badcron", prefectYaml: yaml);
        var repository = UniqueRepository("badcron");

        var run = Log(await project.PublishAsync($"{PublishFixture.PlainRegistry}/{repository}"), "bad cron");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains($"prefect.yaml({line + 1},{lines[line].IndexOf('"', StringComparison.Ordinal) + 1}): error FLOWS1605: cron '0 3 * * 8' is not valid", run.Output, StringComparison.Ordinal);
        Assert.Equal(404, await RegistryProbe.StatusOfRepositoryAsync(PublishFixture.PlainRegistry, repository));
        var e = await Assert.ThrowsAnyAsync<Exception>(() => fixture.Client.Deployments.ReadDeploymentByNameAsync("hello", "nightly"));
        Assert.Contains("404", e.Message + (e as Flows.Api.Client.PrefectApiException)?.StatusCode.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_registry_answering_503_once_still_ends_in_a_successful_publish()
    {
        await using var proxy = new FaultProxy(PublishFixture.PlainRegistry.Replace("localhost", "127.0.0.1", StringComparison.Ordinal),
            r => r.HttpMethod == "PUT" && r.Url!.AbsolutePath.Contains("/manifests/", StringComparison.Ordinal), HttpStatusCode.ServiceUnavailable);
        var project = new SampleProject(fixture, "faults");
        var repository = UniqueRepository("faults");
        var sha = await Dotnet.GitAsync(project.Directory, "rev-parse", "--short=7", "HEAD");

        var run = Log(await project.PublishAsync($"{proxy.Registry}/{repository}"), "503 once on the manifest PUT");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(1, proxy.FaultsInjected);
        Assert.Contains("503", run.Output, StringComparison.Ordinal);
        Assert.Equal(project.ImageJson["digest"]!.GetValue<string>(), await RegistryProbe.ManifestDigestAsync(PublishFixture.PlainRegistry, repository, sha));
    }
}
