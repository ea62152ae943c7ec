using System.Text.Json.Nodes;

namespace Flows.Deploy.Charts.Tests;

/// <summary>deploy/charts/flows-server: lint, strict schemas, the server's command, its Secrets, probes, Service, Ingress.</summary>
public sealed class ServerChartTests
{
    private const string Chart = Render.ServerChart;

    public static TheoryData<string?> ValuesFiles => new() { null, "server-ingress", "server-unauthenticated" };

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public void Lints(string? values)
    {
        string[] arguments = values is null ? ["lint", "--strict", Chart] : ["lint", "--strict", Chart, "--values", Render.ValuesFile(values)];
        Assert.Contains("1 chart(s) linted, 0 chart(s) failed", Tools.Run(Tools.Helm, arguments), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public void Renders_objects_valid_against_the_strict_schemas(string? values)
    {
        var objects = Render.Helm(Chart, "flows-server", "prefect", values is null ? null : [values]);

        // networking.k8s.io/v1 is not in the Kubernetes reference: the Ingress is checked field by field below.
        KubernetesSchemas.AssertValid(objects.Where(o => (string?)o["kind"] != "Ingress"));
        Assert.Contains(objects, o => (string?)o["kind"] == "Deployment");
    }

    [Fact]
    public void Defaults_serve_on_all_addresses_with_postgres_and_keys_from_existing_secrets()
    {
        var objects = Render.Helm(Chart, "flows-server", "prefect");

        Assert.Equal(["Deployment", "Service", "ServiceAccount"], Render.Kinds(objects));
        var deployment = Manifests.Single(objects, "Deployment");
        var container = Render.Container(deployment);
        Assert.Equal("flows-deploy:0.1.0", (string?)container["image"]);
        Assert.Equal(["server", "start", "--host", "0.0.0.0", "--port", "4200"], Render.Args(deployment));
        Assert.Equal("""[{"name":"http","containerPort":4200,"protocol":"TCP"}]""", container["ports"]!.ToJsonString());
        Assert.Equal(["FLOWS_DATABASE_URL", "FLOWS_SERVER_API_KEYS", "FLOWS_HOME"], Render.EnvNames(deployment));
        Assert.Equal("""{"name":"flows-server-database","key":"url"}""", Render.Env(deployment, "FLOWS_DATABASE_URL")["valueFrom"]!["secretKeyRef"]!.ToJsonString());
        Assert.Equal("""{"name":"flows-server-api-keys","key":"keys"}""", Render.Env(deployment, "FLOWS_SERVER_API_KEYS")["valueFrom"]!["secretKeyRef"]!.ToJsonString());
        foreach (var probe in new[] { "startupProbe", "readinessProbe" })
        {
            Assert.Equal("""{"path":"/api/health","port":"http"}""", container[probe]!["httpGet"]!.ToJsonString());
        }

        // Liveness must not follow the database: restarting the server does not mend it.
        Assert.Equal("""{"path":"/api/live","port":"http"}""", container["livenessProbe"]!["httpGet"]!.ToJsonString());

        var pod = deployment["spec"]!["template"]!["spec"]!;
        Assert.Equal(false, (bool?)pod["automountServiceAccountToken"]);
        Assert.Equal(true, (bool?)pod["securityContext"]!["runAsNonRoot"]);
        Assert.Equal(true, (bool?)container["securityContext"]!["readOnlyRootFilesystem"]);
        Assert.Equal(false, (bool?)Manifests.Single(objects, "ServiceAccount")["automountServiceAccountToken"]);
    }

    [Fact]
    public void Service_reaches_the_pods_on_4200_where_the_worker_chart_looks()
    {
        var objects = Render.Helm(Chart, "flows-server", "prefect");

        var service = Manifests.Single(objects, "Service");
        Assert.Equal("flows-server", (string?)service["metadata"]!["name"]);
        Assert.Equal("""[{"name":"http","port":4200,"targetPort":"http","protocol":"TCP"}]""", service["spec"]!["ports"]!.ToJsonString());
        var podLabels = Manifests.Single(objects, "Deployment")["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        Assert.All(service["spec"]!["selector"]!.AsObject(), s => Assert.Equal((string?)s.Value, (string?)podLabels[s.Key]));
        var worker = Manifests.Single(Render.Helm(Render.WorkerChart, "flows-worker", "prefect"), "Deployment");
        Assert.Equal("http://flows-server.prefect.svc.cluster.local:4200/api", (string?)Render.Env(worker, "PREFECT_API_URL")["value"]);
    }

    [Fact]
    public void Ingress_routes_its_host_to_the_service()
    {
        var objects = Render.Helm(Chart, "flows-server", "prefect", ["server-ingress"]);

        var ingress = Manifests.Single(objects, "Ingress");
        Assert.Equal("networking.k8s.io/v1", (string?)ingress["apiVersion"]);
        Assert.Equal(["apiVersion", "kind", "metadata", "spec"], ingress.Select(p => p.Key).Order());
        Assert.Equal(["annotations", "labels", "name", "namespace"], ingress["metadata"]!.AsObject().Select(p => p.Key).Order());
        Assert.Equal(
            """{"ingressClassName":"alb","tls":[{"hosts":["flows.example.com"],"secretName":"flows-tls"}],"rules":[{"host":"flows.example.com","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"flows-server","port":{"name":"http"}}}}]}}]}""",
            ingress["spec"]!.ToJsonString());
        Assert.Equal("internal", (string?)ingress["metadata"]!["annotations"]!["alb.ingress.kubernetes.io/scheme"]);
        var service = Manifests.Single(objects, "Service");
        Assert.Equal("http", (string?)service["spec"]!["ports"]![0]!["name"]);
        Assert.Equal(80, (long?)service["spec"]!["ports"]![0]!["port"]);
        var deployment = Manifests.Single(objects, "Deployment");
        Assert.Equal("""{"name":"flows-postgres","key":"connection-url"}""", Render.Env(deployment, "FLOWS_DATABASE_URL")["valueFrom"]!["secretKeyRef"]!.ToJsonString());
        Assert.Null(Render.Container(deployment)["livenessProbe"]);
    }

    [Fact]
    public void Unauthenticated_passes_the_flag_and_no_keys()
    {
        var objects = Render.Helm(Chart, "flows-server", "prefect", ["server-unauthenticated"]);

        Assert.Equal(["Deployment", "Service"], Render.Kinds(objects));
        var deployment = Manifests.Single(objects, "Deployment");
        Assert.Equal(["server", "start", "--host", "0.0.0.0", "--port", "4200", "--allow-unauthenticated"], Render.Args(deployment));
        Assert.Equal(["FLOWS_DATABASE_URL", "FLOWS_HOME"], Render.EnvNames(deployment));
        Assert.Equal("default", (string?)deployment["spec"]!["template"]!["spec"]!["serviceAccountName"]);
    }

    [Theory]
    [InlineData("server.apiKeysSecret.name=", "server.apiKeysSecret.name is required (the server refuses to serve 0.0.0.0 without API keys); or set server.allowUnauthenticated=true")]
    [InlineData("server.database.existingSecret.name=", "server.database.existingSecret.name is required (a Secret holding postgresql://...)")]
    [InlineData("server.databaseUrl=postgresql://x", "server: Additional property databaseUrl is not allowed")]
    public void Missing_secrets_and_unknown_values_fail_with_what_to_set(string set, string message) =>
        Assert.Contains(message, Render.HelmError(Chart, set), StringComparison.Ordinal);
}
