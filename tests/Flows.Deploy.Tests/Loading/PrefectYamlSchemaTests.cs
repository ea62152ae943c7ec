using Flows.Deploy.Diagnostics;
using Flows.Deploy.Loading;

namespace Flows.Deploy.Tests.Loading;

public class PrefectYamlSchemaTests
{
    [Fact]
    public void TheHelloSampleIsValid()
    {
        var path = Path.Combine(YamlDocumentLoaderTests.FindRepoRoot(), "samples", "hello", "prefect.yaml");
        Assert.Empty(PrefectYamlSchema.Validate(YamlDocumentLoader.Load(path, File.ReadAllText(path))));
    }

    [Fact]
    public void AWrongTypeIsLocated()
    {
        var doc = YamlDocumentLoader.Load("p.yaml", "deployments:\n- name: x\n  paused: [1]\n");
        var all = PrefectYamlSchema.Validate(doc);
        Assert.True(all.Count == 1, string.Join("\n", all));
        var d = all[0];
        Assert.Equal(DiagnosticCodes.SchemaViolation, d.Code);
        Assert.Equal(3, d.Line);
        Assert.StartsWith("p.yaml(3,", d.ToString(), StringComparison.Ordinal);
    }
}
