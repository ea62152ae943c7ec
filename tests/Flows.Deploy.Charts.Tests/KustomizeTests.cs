using System.Text.Json.Nodes;

namespace Flows.Deploy.Charts.Tests;

/// <summary>deploy/kustomize: the bases validate, equal the charts' defaults, and the api-key-secrets component adds one rule.</summary>
public sealed class KustomizeTests
{
    [Theory]
    [InlineData("deploy/kustomize/worker")]
    [InlineData("deploy/kustomize/server")]
    [InlineData("tests/Flows.Deploy.Charts.Tests/kustomize/worker-api-key-secrets")]
    public void Renders_objects_valid_against_the_strict_schemas(string directory)
    {
        var objects = Render.Kustomize(directory);

        Assert.NotEmpty(objects);
        KubernetesSchemas.AssertValid(objects);
    }

    [Theory]
    [InlineData("deploy/kustomize/worker", Render.WorkerChart, "flows-worker")]
    [InlineData("deploy/kustomize/server", Render.ServerChart, "flows-server")]
    public void Bases_equal_the_charts_defaults_without_helms_labels(string directory, string chart, string release)
    {
        var fromHelm = Render.Helm(chart, release, "prefect").Select(WithoutHelmLabels).ToDictionary(Manifests.Id);
        var fromKustomize = Render.Kustomize(directory).ToDictionary(Manifests.Id);

        Assert.Equal(fromHelm.Keys.Order(), fromKustomize.Keys.Order());
        foreach (var (id, expected) in fromHelm)
        {
            Assert.True(JsonNode.DeepEquals(expected, fromKustomize[id]),
                $"{id} differs from the chart (update {directory} from 'helm template {release} {chart} -n prefect'):\n" +
                $"chart:     {expected.ToJsonString()}\nkustomize: {fromKustomize[id].ToJsonString()}");
        }
    }

    [Fact]
    public void Worker_base_role_allows_exactly_what_the_worker_calls() =>
        Assert.Equal(Rbac.WorkerRules, Render.Rules(Manifests.Single(Render.Kustomize("deploy/kustomize/worker"), "Role")));

    [Fact]
    public void Api_key_secrets_component_adds_the_secrets_rule_and_an_overlay_moves_everything()
    {
        var objects = Render.Kustomize("tests/Flows.Deploy.Charts.Tests/kustomize/worker-api-key-secrets");

        Assert.Equal(Rbac.WorkerRulesWithApiKeySecrets, Render.Rules(Manifests.Single(objects, "Role")));
        Assert.All(objects, o => Assert.Equal("flows", (string?)o["metadata"]!["namespace"]));
        Assert.Equal("flows", (string?)Manifests.Single(objects, "RoleBinding")["subjects"]![0]!["namespace"]);
        Assert.Equal("123456789012.dkr.ecr.eu-west-1.amazonaws.com/flows-deploy:abc1234",
            (string?)Render.Container(Manifests.Single(objects, "Deployment"))["image"]);
    }

    /// <summary>The chart's objects without the labels only Helm sets (helm.sh/chart, app.kubernetes.io/managed-by).</summary>
    internal static JsonObject WithoutHelmLabels(JsonObject obj)
    {
        var copy = obj.DeepClone().AsObject();
        foreach (var labels in new[] { copy["metadata"]?["labels"], copy["spec"]?["template"]?["metadata"]?["labels"] })
        {
            if (labels is JsonObject map)
            {
                map.Remove("helm.sh/chart");
                map.Remove("app.kubernetes.io/managed-by");
            }
        }

        return copy;
    }
}
