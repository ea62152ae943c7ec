using System.Text.Json.Nodes;

namespace Flows.Deploy.Charts.Tests;

/// <summary>helm template / kubectl kustomize output as objects, and the parts of them the tests look at.</summary>
internal static class Render
{
    public const string WorkerChart = "deploy/charts/flows-worker";
    public const string ServerChart = "deploy/charts/flows-server";

    /// <summary><c>helm template RELEASE CHART -n NAMESPACE [-f tests/…/values/FILE]… [--set …]…</c>.</summary>
    public static IReadOnlyList<JsonObject> Helm(string chart, string release, string @namespace, string[]? valuesFiles = null, params string[] sets) =>
        Manifests.Parse(Tools.Run(Tools.Helm, HelmArguments(chart, release, @namespace, valuesFiles, sets)));

    /// <summary>helm template's error output when it must fail.</summary>
    public static string HelmError(string chart, params string[] sets)
    {
        var (exitCode, output, error) = Tools.TryRun(Tools.Helm, HelmArguments(chart, "flows", "prefect", null, sets));
        Assert.True(exitCode != 0, $"helm template {chart} {string.Join(' ', sets)} should fail, and rendered:\n{output}");
        return error;
    }

    public static IReadOnlyList<JsonObject> Kustomize(string directory) =>
        Manifests.Parse(Tools.Run(Tools.Kubectl, "kustomize", directory));

    public static string ValuesFile(string name) => $"tests/Flows.Deploy.Charts.Tests/values/{name}.yaml";

    public static JsonObject Container(JsonObject deployment) =>
        Assert.Single(deployment["spec"]!["template"]!["spec"]!["containers"]!.AsArray())!.AsObject();

    public static string[] Args(JsonObject deployment) =>
        [.. Container(deployment)["args"]!.AsArray().Select(a => (string)a!)];

    public static JsonObject Env(JsonObject deployment, string name) =>
        Assert.Single(Container(deployment)["env"]!.AsArray(), e => (string?)e!["name"] == name)!.AsObject();

    public static string[] EnvNames(JsonObject deployment) =>
        [.. Container(deployment)["env"]!.AsArray().Select(e => (string)e!["name"]!)];

    /// <summary>A Role's rules as "apiGroups | resources | verbs" lines, in order.</summary>
    public static string[] Rules(JsonObject role) =>
        [.. role["rules"]!.AsArray().Select(r => string.Join(" | ",
            Join(r!["apiGroups"]), Join(r["resources"]), Join(r["verbs"])))];

    public static IReadOnlyList<string> Kinds(IEnumerable<JsonObject> objects) => [.. objects.Select(o => (string)o["kind"]!).Order()];

    private static string Join(JsonNode? list) => string.Join(",", list!.AsArray().Select(x => (string)x! is "" ? "core" : (string)x!));

    private static string[] HelmArguments(string chart, string release, string @namespace, string[]? valuesFiles, string[] sets)
    {
        List<string> arguments = ["template", release, chart, "--namespace", @namespace];
        foreach (var file in valuesFiles ?? [])
        {
            arguments.AddRange(["--values", ValuesFile(file)]);
        }

        foreach (var set in sets)
        {
            arguments.AddRange(["--set", set]);
        }

        return [.. arguments];
    }
}
