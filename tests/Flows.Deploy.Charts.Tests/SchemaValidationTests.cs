namespace Flows.Deploy.Charts.Tests;

/// <summary>The validator the other tests rely on rejects what a strict API server would, so a pass means something.</summary>
public sealed class SchemaValidationTests
{
    [Fact]
    public void Unknown_fields_wrong_types_and_unknown_kinds_are_errors()
    {
        var objects = Manifests.Parse("""
            apiVersion: v1
            kind: Service
            metadata: {name: s}
            spec:
              ports:
                - port: "4200"
              selectr: {app: x}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
              labels: {enabled: yes}
            spec:
              selector: {matchLabels: {app: d}}
              template:
                metadata: {labels: {app: d}}
                spec:
                  containers: [{name: c, image: i, resources: {}}]
                  parallelism: 1
            ---
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: w}
            """);

        var failures = objects.SelectMany(KubernetesSchemas.Validate).ToList();

        Assert.Equal(
            [
                "Service/s: /spec/ports/0/port: type: Value is \"string\" but should be \"integer\"",
                "Service/s: /spec/selectr: unknown field",
                "Deployment/d: /metadata/labels/enabled: type: Value is \"boolean\" but should be \"string, null\"",
                "Deployment/d: /spec/template/spec/parallelism: unknown field",
                "Widget/w: no schema widget-example-v1.json in schemas/ (add it from the Kubernetes reference)",
            ],
            failures);
    }

    [Theory]
    [InlineData("apps/v1", "Deployment", "deployment-apps-v1.json")]
    [InlineData("v1", "ServiceAccount", "serviceaccount-v1.json")]
    [InlineData("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebinding-rbac-v1.json")]
    public void Schema_files_are_named_as_in_the_reference(string apiVersion, string kind, string file) =>
        Assert.Equal(file, KubernetesSchemas.FileName(new() { ["apiVersion"] = apiVersion, ["kind"] = kind }));
}
