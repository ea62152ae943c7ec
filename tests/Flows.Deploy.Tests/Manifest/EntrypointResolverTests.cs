using Flows.Deploy.Manifest;

namespace Flows.Deploy.Tests.Manifest;

public class EntrypointResolverTests
{
    private static readonly FlowManifest Manifest = new(1, "hello",
    [
        new FlowManifestEntry("hello", "Hello.HelloFlows.Hello", "HelloFlows.cs", 12, null, false, null),
        new FlowManifestEntry("etl-job", "Etl.Jobs.Run", "src/Etl/Jobs.cs", 3, null, true, null),
    ]);

    [Theory]
    [InlineData("HelloFlows.cs:hello", "hello")]
    [InlineData("Jobs.cs:etl_job", "etl-job")]
    [InlineData("Etl/Jobs.cs:etl-job", "etl-job")]
    [InlineData("./src/Etl/Jobs.cs:etl_job", "etl-job")]
    public void Resolves(string entrypoint, string flow) =>
        Assert.Equal(flow, EntrypointResolver.Resolve(Manifest, entrypoint, out _)?.Name);

    [Theory]
    [InlineData("HelloFlows.cs", "not of the form")]
    [InlineData("Flows.cs:hello", "no [Flow] is declared")]
    [InlineData("tl/Jobs.cs:etl_job", "no [Flow] is declared")]
    [InlineData("HelloFlows.cs:bye", "declares no flow named 'bye'")]
    public void ExplainsMisses(string entrypoint, string reason)
    {
        Assert.Null(EntrypointResolver.Resolve(Manifest, entrypoint, out var problem));
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }
}
