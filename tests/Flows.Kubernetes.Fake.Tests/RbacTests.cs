using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using static Flows.Kubernetes.Fake.Tests.TestJobs;

namespace Flows.Kubernetes.Fake.Tests;

/// <summary>The RBAC mode: bearer tokens to service accounts, and Roles/ClusterRoles/bindings stored in the fake decide.</summary>
public sealed class RbacTests
{
    private const string Account = "flows-worker";

    private static async Task<FakeKubernetesApiServer> StartAsync(params string[] roleRules)
    {
        var fake = await FakeKubernetesApiServer.StartAsync(new FakeApiServerOptions { Namespaces = [Namespace], Rbac = true });
        fake.Create(Object($$"""{ "apiVersion": "v1", "kind": "ServiceAccount", "metadata": { "name": "{{Account}}", "namespace": "{{Namespace}}" } }"""));
        fake.Create(Object($$"""
            { "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": { "name": "worker", "namespace": "{{Namespace}}" },
              "rules": [{{string.Join(",", roleRules)}}] }
            """));
        fake.Create(Object($$"""
            { "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": { "name": "worker", "namespace": "{{Namespace}}" },
              "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "worker" },
              "subjects": [ { "kind": "ServiceAccount", "name": "{{Account}}", "namespace": "{{Namespace}}" } ] }
            """));
        return fake;
    }

    private static JsonObject Object(string json) => (JsonObject)JsonNode.Parse(json)!;

    [Fact]
    public async Task A_service_account_may_do_what_its_Role_grants_and_gets_the_API_servers_403_otherwise()
    {
        await using var fake = await StartAsync("""{ "apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create", "list"] }""");
        var client = fake.CreateClient(fake.IssueToken(Namespace, Account));

        await client.BatchV1.CreateNamespacedJobAsync(Job(), Namespace);
        await client.BatchV1.ListNamespacedJobAsync(Namespace);
        var delete = await StatusOfAsync(() => client.BatchV1.DeleteNamespacedJobAsync("hello-run", Namespace));
        var otherNamespace = await StatusOfAsync(() => client.BatchV1.ListNamespacedJobAsync("default"));
        var pods = await StatusOfAsync(() => client.CoreV1.ListNamespacedPodAsync(Namespace));

        Assert.Equal(403, delete.Code);
        Assert.Equal("jobs.batch \"hello-run\" is forbidden: User \"system:serviceaccount:prefect:flows-worker\" cannot delete resource \"jobs\" in API group \"batch\" in the namespace \"prefect\"", delete.Message);
        Assert.Equal("jobs.batch is forbidden: User \"system:serviceaccount:prefect:flows-worker\" cannot list resource \"jobs\" in API group \"batch\" in the namespace \"default\"", otherNamespace.Message);
        Assert.Equal("pods is forbidden: User \"system:serviceaccount:prefect:flows-worker\" cannot list resource \"pods\" in API group \"\" in the namespace \"prefect\"", pods.Message);
        Assert.Equal([delete.Message, otherNamespace.Message, pods.Message], fake.Refusals);
    }

    [Fact]
    public async Task A_subresource_needs_its_own_rule_or_a_star_subresource_rule()
    {
        await using var fake = await StartAsync("""{ "apiGroups": [""], "resources": ["pods"], "verbs": ["get"] }""");
        var client = fake.CreateClient(fake.IssueToken(Namespace, Account));

        var log = await StatusOfAsync(() => client.CoreV1.ReadNamespacedPodLogAsync("p", Namespace));
        Assert.Equal("pods \"p\" is forbidden: User \"system:serviceaccount:prefect:flows-worker\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"prefect\"", log.Message);

        fake.Create(Object($$"""{ "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": { "name": "logs" }, "rules": [ { "apiGroups": [""], "resources": ["*/log"], "verbs": ["get"] } ] }"""));
        fake.Create(Object($$"""
            { "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": { "name": "logs", "namespace": "{{Namespace}}" },
              "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "logs" },
              "subjects": [ { "kind": "ServiceAccount", "name": "{{Account}}", "namespace": "{{Namespace}}" } ] }
            """));
        var notFound = await StatusOfAsync(() => client.CoreV1.ReadNamespacedPodLogAsync("p", Namespace));
        Assert.Equal(404, notFound.Code); // authorized now: the pod simply does not exist
    }

    [Fact]
    public async Task ResourceNames_limit_a_rule_to_requests_that_name_one_of_them()
    {
        await using var fake = await StartAsync("""{ "apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"], "resourceNames": ["allowed"] }""");
        var client = fake.CreateClient(fake.IssueToken(Namespace, Account));

        var allowed = await StatusOfAsync(() => client.CoreV1.ReadNamespacedSecretAsync("allowed", Namespace));
        var other = await StatusOfAsync(() => client.CoreV1.ReadNamespacedSecretAsync("other", Namespace));
        var list = await StatusOfAsync(() => client.CoreV1.ListNamespacedSecretAsync(Namespace));

        Assert.Equal((404, 403, 403), (allowed.Code, other.Code, list.Code));
    }

    [Fact]
    public async Task A_ClusterRoleBinding_to_a_group_grants_in_every_namespace()
    {
        await using var fake = await StartAsync();
        fake.Create(Object("""{ "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": { "name": "pod-reader" }, "rules": [ { "apiGroups": ["*"], "resources": ["pods"], "verbs": ["*"] } ] }"""));
        fake.Create(Object("""
            { "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": { "name": "pod-reader" },
              "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "pod-reader" },
              "subjects": [ { "kind": "Group", "name": "system:serviceaccounts:prefect", "apiGroup": "rbac.authorization.k8s.io" } ] }
            """));
        var client = fake.CreateClient(fake.IssueToken(Namespace, Account));

        await client.CoreV1.ListNamespacedPodAsync("default");
        await client.CoreV1.ListPodForAllNamespacesAsync();
        Assert.Empty(fake.Refusals);
    }

    [Fact]
    public async Task A_service_account_token_Secret_gets_a_token_that_authenticates_while_the_Secret_exists()
    {
        await using var fake = await StartAsync("""{ "apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["list"] }""");
        fake.Create(Object($$"""
            { "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
              "metadata": { "name": "worker-token", "namespace": "{{Namespace}}", "annotations": { "kubernetes.io/service-account.name": "{{Account}}" } } }
            """));
        var secret = fake.GetSecret(Namespace, "worker-token")!;
        var token = Encoding.UTF8.GetString(secret.Data["token"]);
        var client = fake.CreateClient(token);

        await client.BatchV1.ListNamespacedJobAsync(Namespace);
        Assert.Equal(Namespace, Encoding.UTF8.GetString(secret.Data["namespace"]));
        Assert.NotNull(secret.Metadata.Annotations["kubernetes.io/service-account.uid"]);

        await fake.CreateClient().CoreV1.DeleteNamespacedSecretAsync("worker-token", Namespace);
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.BatchV1.ListNamespacedJobAsync(Namespace));
        Assert.Equal(HttpStatusCode.Unauthorized, error.Response.StatusCode);
    }

    [Fact]
    public async Task An_unknown_token_is_401_and_no_token_is_anonymous_and_refused()
    {
        await using var fake = await StartAsync();

        var unknown = await Assert.ThrowsAsync<HttpOperationException>(() => fake.CreateClient("not-a-token").BatchV1.ListNamespacedJobAsync(Namespace));
        var anonymous = await StatusOfAsync(() => new k8s.Kubernetes(new KubernetesClientConfiguration { Host = fake.Url }).BatchV1.ListNamespacedJobAsync(Namespace));

        Assert.Equal(HttpStatusCode.Unauthorized, unknown.Response.StatusCode);
        Assert.Equal("jobs.batch is forbidden: User \"system:anonymous\" cannot list resource \"jobs\" in API group \"batch\" in the namespace \"prefect\"", anonymous.Message);
    }
}
