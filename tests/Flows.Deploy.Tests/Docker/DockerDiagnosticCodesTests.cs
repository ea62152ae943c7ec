using System.Reflection;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Docker;
using Flows.Deploy.Publishing;

namespace Flows.Deploy.Tests.Docker;

public class DockerDiagnosticCodesTests
{
    private static List<string> Codes(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetValue(null)!).ToList();

    [Fact]
    public void DockerCodesAreUniqueInTheirRangeAndShareNoneWithPublishOrTheEngine()
    {
        var docker = Codes(typeof(DockerDiagnosticCodes));
        Assert.Equal(docker.Count, docker.Distinct().Count());
        Assert.All(docker, c => Assert.Matches("^FLOWS35[78][0-9]$", c));
        Assert.Empty(docker.Intersect(Codes(typeof(PublishDiagnosticCodes))));
        Assert.Empty(docker.Intersect(Codes(typeof(DiagnosticCodes))));
    }

    [Theory]
    [InlineData("FROM localhost:5001/dotnet/runtime:10.0 AS base\nFROM --platform=linux/amd64 registry.example.com:443/a/b\nFROM scratch\nFROM base\nFROM ubuntu:24.04\nFROM $BASE/x\n  from 1.dkr.ecr.eu-west-1.amazonaws.com/r:t",
        new[] { "localhost:5001", "registry.example.com:443", "1.dkr.ecr.eu-west-1.amazonaws.com" })]
    public void BaseImageRegistriesComeFromTheFromLines(string dockerfile, string[] registries) =>
        Assert.Equal(registries, DockerfileImageBuilder.BaseRegistries(dockerfile));
}
