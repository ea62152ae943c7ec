using System.Text.Json.Nodes;

namespace Flows.Deploy.Charts.Tests;

/// <summary>deploy/charts/flows-worker: lint, strict schemas for default and typical values, args, API settings, RBAC.</summary>
public sealed class WorkerChartTests
{
    private const string Chart = Render.WorkerChart;

    public static TheoryData<string?> ValuesFiles => new() { null, "worker-cloud", "worker-self-hosted", "worker-api-key-secrets", "worker-custom-sa", "worker-existing-sa" };

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public void Lints(string? values)
    {
        string[] arguments = values is null ? ["lint", "--strict", Chart] : ["lint", "--strict", Chart, "--values", Render.ValuesFile(values)];
        var output = Tools.Run(Tools.Helm, arguments);
        Assert.Contains("1 chart(s) linted, 0 chart(s) failed", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public void Renders_objects_valid_against_the_strict_schemas(string? values)
    {
        var objects = Render.Helm(Chart, "flows-worker", "prefect", values is null ? null : [values]);

        Assert.NotEmpty(objects);
        KubernetesSchemas.AssertValid(objects);
    }

    [Fact]
    public void Defaults_run_the_worker_on_the_seeds_pool_against_the_in_cluster_server()
    {
        var objects = Render.Helm(Chart, "flows-worker", "prefect");

        Assert.Equal(["Deployment", "Role", "RoleBinding", "ServiceAccount"], Render.Kinds(objects));
        Assert.All(objects, o => Assert.Equal("prefect", (string?)o["metadata"]!["namespace"]));
        Assert.All(objects, o => Assert.Equal("flows-worker", (string?)o["metadata"]!["name"]));
        var deployment = Manifests.Single(objects, "Deployment");
        var container = Render.Container(deployment);
        Assert.Equal("flows-deploy:0.1.0", (string?)container["image"]);
        Assert.Null(container["command"]); // the image's entrypoint is flows-deploy
        Assert.Equal(["worker", "start", "--pool", "kubernetes", "--type", "kubernetes", "--with-healthcheck"], Render.Args(deployment));
        Assert.Equal(["PREFECT_API_URL", "PREFECT_WORKER_WEBSERVER_PORT"], Render.EnvNames(deployment));
        Assert.Equal("/health", (string?)container["livenessProbe"]!["httpGet"]!["path"]);
        Assert.Equal("health", (string?)container["livenessProbe"]!["httpGet"]!["port"]);
        Assert.Equal(8080, (long?)container["ports"]![0]!["containerPort"]);
        Assert.Equal("8080", (string?)Render.Env(deployment, "PREFECT_WORKER_WEBSERVER_PORT")["value"]);
        Assert.Equal("http://flows-server.prefect.svc.cluster.local:4200/api", (string?)Render.Env(deployment, "PREFECT_API_URL")["value"]);
        Assert.Equal("flows-worker", (string?)deployment["spec"]!["template"]!["spec"]!["serviceAccountName"]);
    }

    [Fact]
    public void Defaults_run_as_non_root_with_a_read_only_root_and_no_capabilities()
    {
        var deployment = Manifests.Single(Render.Helm(Chart, "flows-worker", "prefect"), "Deployment");
        var pod = deployment["spec"]!["template"]!["spec"]!;
        var container = Render.Container(deployment);

        Assert.Equal(true, (bool?)pod["securityContext"]!["runAsNonRoot"]);
        Assert.Equal(1654, (long?)pod["securityContext"]!["runAsUser"]);
        Assert.Equal("RuntimeDefault", (string?)pod["securityContext"]!["seccompProfile"]!["type"]);
        Assert.Equal(true, (bool?)container["securityContext"]!["readOnlyRootFilesystem"]);
        Assert.Equal(false, (bool?)container["securityContext"]!["allowPrivilegeEscalation"]);
        Assert.Equal("""["ALL"]""", container["securityContext"]!["capabilities"]!["drop"]!.ToJsonString());
        Assert.Equal("/tmp", (string?)container["volumeMounts"]![0]!["mountPath"]);
        Assert.Equal("100m", (string?)container["resources"]!["requests"]!["cpu"]);
    }

    [Fact]
    public void Cloud_builds_the_workspace_url_and_reads_the_key_from_the_existing_secret()
    {
        var deployment = Manifests.Single(Render.Helm(Chart, "flows-worker", "prefect", ["worker-cloud"]), "Deployment");

        Assert.Equal(
            ["worker", "start", "--pool", "k8s-cloud", "--type", "kubernetes", "--work-queue", "default", "--work-queue", "critical",
             "--limit", "10", "--name", "eks-worker", "--with-healthcheck", "--poll-seconds", "5"],
            Render.Args(deployment));
        Assert.Equal(
            "https://api.prefect.cloud/api/accounts/0b9c2d0e-1111-4222-8333-444455556666/workspaces/7f6e5d4c-aaaa-4bbb-8ccc-ddddeeeeffff",
            (string?)Render.Env(deployment, "PREFECT_API_URL")["value"]);
        Assert.Equal("""{"name":"prefect-api-key","key":"key"}""", Render.Env(deployment, "PREFECT_API_KEY")["valueFrom"]!["secretKeyRef"]!.ToJsonString());
    }

    [Fact]
    public void Self_hosted_server_uses_its_url_and_key_secret()
    {
        var deployment = Manifests.Single(Render.Helm(Chart, "flows-worker", "prefect", ["worker-self-hosted"]), "Deployment");

        Assert.Equal(["PREFECT_API_URL", "PREFECT_API_KEY", "PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_KEY_SECRET_NAME", "PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_KEY_SECRET_KEY", "PREFECT_WORKER_WEBSERVER_PORT"], Render.EnvNames(deployment));
        Assert.Equal("https://flows.example.com/api", (string?)Render.Env(deployment, "PREFECT_API_URL")["value"]);
        Assert.Equal("""{"name":"flows-api-key","key":"api-key"}""", Render.Env(deployment, "PREFECT_API_KEY")["valueFrom"]!["secretKeyRef"]!.ToJsonString());
    }

    [Fact]
    public void Server_url_follows_the_release_namespace_and_can_be_set()
    {
        var deployment = Manifests.Single(Render.Helm(Chart, "w", "flows", null, "worker.serverApiConfig.apiUrl=http://my-server:4200/api"), "Deployment");
        Assert.Equal("http://my-server:4200/api", (string?)Render.Env(deployment, "PREFECT_API_URL")["value"]);

        deployment = Manifests.Single(Render.Helm(Chart, "w", "flows"), "Deployment");
        Assert.Equal("http://flows-server.flows.svc.cluster.local:4200/api", (string?)Render.Env(deployment, "PREFECT_API_URL")["value"]);
        Assert.Equal("w-flows-worker", (string?)deployment["metadata"]!["name"]);
    }

    [Fact]
    public void Role_allows_exactly_what_the_worker_calls()
    {
        var objects = Render.Helm(Chart, "flows-worker", "prefect");

        Assert.Equal(Rbac.WorkerRules, Render.Rules(Manifests.Single(objects, "Role")));
        AssertBinding(objects, role: "flows-worker", roleNamespace: "prefect", serviceAccount: "flows-worker", serviceAccountNamespace: "prefect");
    }

    [Fact]
    public void Api_key_secrets_add_secrets_create_get_update_in_the_pools_namespace()
    {
        var objects = Render.Helm(Chart, "flows-worker", "prefect", ["worker-api-key-secrets"]);

        var role = Manifests.Single(objects, "Role");
        Assert.Equal(Rbac.WorkerRulesWithApiKeySecrets, Render.Rules(role));
        Assert.Equal("prefect-jobs", (string?)role["metadata"]!["namespace"]);
        AssertBinding(objects, role: "flows-worker", roleNamespace: "prefect-jobs", serviceAccount: "flows-worker", serviceAccountNamespace: "prefect");
        Assert.Equal("prefect", (string?)Manifests.Single(objects, "Deployment")["metadata"]!["namespace"]);
        Assert.Equal("""{"name":"flows-worker-api-key","key":"key"}""",
            Render.Env(Manifests.Single(objects, "Deployment"), "PREFECT_API_KEY")["valueFrom"]!["secretKeyRef"]!.ToJsonString());
    }

    [Fact]
    public void By_default_flow_run_pods_read_the_key_from_the_workers_own_secret_and_the_worker_may_not_touch_secrets()
    {
        var objects = Render.Helm(Chart, "flows-worker", "prefect", ["worker-self-hosted"]);

        var deployment = Manifests.Single(objects, "Deployment");
        Assert.Equal("flows-api-key", (string?)Render.Env(deployment, "PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_KEY_SECRET_NAME")["value"]);
        Assert.Equal("api-key", (string?)Render.Env(deployment, "PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_KEY_SECRET_KEY")["value"]);
        Assert.Equal(Rbac.WorkerRules, Render.Rules(Manifests.Single(objects, "Role")));
    }

    [Fact]
    public void Plain_env_for_the_key_is_an_explicit_choice_that_the_worker_is_told_of()
    {
        var deployment = Manifests.Single(Render.Helm(Chart, "flows-worker", "prefect", ["worker-self-hosted"], "worker.jobApiKey=env"), "Deployment");

        Assert.Equal("false", (string?)Render.Env(deployment, "PREFECT_INTEGRATIONS_KUBERNETES_WORKER_CREATE_SECRET_FOR_API_KEY")["value"]);
        Assert.DoesNotContain("PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_KEY_SECRET_NAME", Render.EnvNames(deployment));
    }

    [Fact]
    public void Custom_service_account_carries_its_annotations_into_the_binding_and_pod()
    {
        var objects = Render.Helm(Chart, "flows-worker", "prefect", ["worker-custom-sa"]);

        var account = Manifests.Single(objects, "ServiceAccount");
        Assert.Equal("flows-worker-irsa", (string?)account["metadata"]!["name"]);
        Assert.Equal("arn:aws:iam::123456789012:role/flows-worker", (string?)account["metadata"]!["annotations"]!["eks.amazonaws.com/role-arn"]);
        AssertBinding(objects, role: "flows-worker", roleNamespace: "prefect", serviceAccount: "flows-worker-irsa", serviceAccountNamespace: "prefect");
        Assert.Equal([.. Rbac.WorkerRules, "core | configmaps | get"], Render.Rules(Manifests.Single(objects, "Role")));
        var deployment = Manifests.Single(objects, "Deployment");
        var pod = deployment["spec"]!["template"]!["spec"]!;
        Assert.Equal("flows-worker-irsa", (string?)pod["serviceAccountName"]);
        Assert.Equal("""[{"name":"regcred"}]""", pod["imagePullSecrets"]!.ToJsonString());
        Assert.Equal("123456789012.dkr.ecr.eu-west-1.amazonaws.com/flows-deploy:abc1234", (string?)Render.Container(deployment)["image"]);
        Assert.Equal(["PREFECT_API_URL", "PREFECT_WORKER_WEBSERVER_PORT", "DOTNET_gcServer", "HTTPS_PROXY"], Render.EnvNames(deployment));
        Assert.Equal("""[{"configMapRef":{"name":"flows-worker-env"}},{"secretRef":{"name":"flows-worker-secret-env"}}]""",
            Render.Container(deployment)["envFrom"]!.ToJsonString());
        Assert.Equal("data", (string?)deployment["spec"]!["template"]!["metadata"]!["labels"]!["team"]);
        Assert.Equal(2, (long?)deployment["spec"]!["replicas"]);
    }

    [Fact]
    public void Existing_service_account_without_rbac_renders_only_the_deployment()
    {
        var objects = Render.Helm(Chart, "flows-worker", "prefect", ["worker-existing-sa"]);

        Assert.Equal(["Deployment"], Render.Kinds(objects));
        Assert.Equal("platform-flows-worker", (string?)objects[0]["spec"]!["template"]!["spec"]!["serviceAccountName"]);
    }

    [Theory]
    [InlineData("worker.apiConfig=cloud", "worker.cloudApiConfig.accountId is required with worker.apiConfig=cloud")]
    [InlineData("worker.apiConfig=selfHostedServer", "worker.selfHostedServerApiConfig.apiUrl is required with worker.apiConfig=selfHostedServer")]
    [InlineData("worker.apiConfig=prefect", "worker.apiConfig must be one of the following: \"server\", \"selfHostedServer\", \"cloud\"")]
    [InlineData("worker.config.workPool=", "worker.config.workPool: String length must be greater than or equal to 1")]
    [InlineData("worker.apiconfig=cloud", "worker: Additional property apiconfig is not allowed")]
    [InlineData("worker.config.limit=0", "worker.config.limit: Must be greater than or equal to 1")]
    [InlineData("role.apiKeySecret=true", "role: Additional property apiKeySecret is not allowed")]
    [InlineData("serviceAccount.create=false", "serviceAccount.name is required when serviceAccount.create is false")]
    [InlineData("worker.jobApiKey=plain", "worker.jobApiKey must be one of the following: \"reference\", \"secretPerRun\", \"env\"")]
    [InlineData("worker.serverApiConfig.apiKeySecret.name=k,role.namespace=jobs", "worker.jobApiKey=reference: flow-run pods in namespace \"jobs\" cannot read Secret \"k\" of namespace \"prefect\"")]
    public void Missing_misspelled_or_wrong_values_fail_with_what_to_set(string set, string message) =>
        Assert.Contains(message, Render.HelmError(Chart, set), StringComparison.Ordinal);

    private static void AssertBinding(IReadOnlyList<JsonObject> objects, string role, string roleNamespace, string serviceAccount, string serviceAccountNamespace)
    {
        var binding = Manifests.Single(objects, "RoleBinding");
        Assert.Equal(roleNamespace, (string?)binding["metadata"]!["namespace"]);
        Assert.Equal($$"""{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"{{role}}"}""", binding["roleRef"]!.ToJsonString());
        Assert.Equal($$"""[{"kind":"ServiceAccount","name":"{{serviceAccount}}","namespace":"{{serviceAccountNamespace}}"}]""", binding["subjects"]!.ToJsonString());
    }
}
