using System.Text.RegularExpressions;

namespace Flows.Deploy.Charts.Tests;

/// <summary>Every <c>helm install</c> and <c>kubectl apply -k</c> in deploy/README.md renders valid objects, as written.</summary>
public sealed partial class ReadmeTests
{
    private const string Registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

    public static TheoryData<string> HelmInstalls => [.. Commands().Where(c => c.StartsWith("helm install ", StringComparison.Ordinal))];

    [Fact]
    public void Readme_has_the_three_worker_variants_and_the_server() =>
        Assert.Equal(4, HelmInstalls.Count);

    [Theory]
    [MemberData(nameof(HelmInstalls))]
    public void Helm_install_renders_valid_objects(string command)
    {
        // helm install RELEASE CHART -n NS --set ... → helm template RELEASE CHART -n NS --set ...
        var words = command.Replace("$REGISTRY", Registry, StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var output = Tools.Run(Tools.Helm, ["template", .. words[2..]]);

        var objects = Manifests.Parse(output);
        Assert.Contains(objects, o => (string?)o["kind"] == "Deployment");
        KubernetesSchemas.AssertValid(objects);
        Assert.StartsWith($"{Registry}/flows-deploy:", (string?)Render.Container(Manifests.Single(objects, "Deployment"))["image"], StringComparison.Ordinal);
    }

    [Fact]
    public void Kubectl_apply_k_directories_render()
    {
        var directories = Commands().SelectMany(c => ApplyK().Matches(c)).Select(m => m.Groups[1].Value).ToList();

        Assert.Equal(["deploy/kustomize/server", "deploy/kustomize/worker"], directories);
        Assert.All(directories, d => Assert.NotEmpty(Render.Kustomize(d)));
    }

    /// <summary>The README's shell lines, continuations joined.</summary>
    private static IEnumerable<string> Commands()
    {
        var text = File.ReadAllText(Tools.Path("deploy", "README.md")).Replace("\\\n", " ", StringComparison.Ordinal);
        return text.Split('\n').Select(l => Regex.Replace(l.Trim().Trim('`'), @"\s+#.*$", "")).Where(l => l.Length > 0);
    }

    [GeneratedRegex(@"kubectl apply -k (\S+?)`?(?:\s|$)")]
    private static partial Regex ApplyK();
}
