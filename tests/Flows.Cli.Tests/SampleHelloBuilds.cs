namespace Flows.Cli.Tests;

/// <summary>Tests that build samples/hello in place share its obj/ and bin/: they run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class SampleHelloBuilds
{
    public const string Name = "samples/hello builds";
}
