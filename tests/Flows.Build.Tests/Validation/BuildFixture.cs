using Flows.Build.Tests.Publishing;

namespace Flows.Build.Tests.Validation;

/// <summary>Build-only tests: the packed Flows.Build package (<see cref="TestPackage"/>) and a temp folder; no registry,
/// no server.</summary>
public sealed class BuildFixture : IAsyncLifetime
{
    public string Root { get; } = Directory.CreateTempSubdirectory("flows-build-validate-").FullName;

    public string Feed { get; private set; } = "";

    public string PackageVersion { get; private set; } = "";

    public async Task InitializeAsync() => (Feed, PackageVersion) = await TestPackage.EnsureAsync();

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // a build server may still hold a file; the temp folder is cleaned by the OS
        }

        return Task.CompletedTask;
    }

    public SampleProject Project(string name, string? prefectYaml = null) => new(Root, Feed, PackageVersion, name, git: false, prefectYaml);
}

// Not in parallel with the publish collection: both build src/Flows into the same output folders, on two cores.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BuildCollection : ICollectionFixture<BuildFixture>
{
    public const string Name = "build";
}
