namespace Flows.Testing;

/// <summary>
/// A copy of a sample project (its top-level files) in <c>artifacts/&lt;name&gt;</c>: the same depth as samples/&lt;sample&gt;,
/// so its relative references hold, with its own obj/ and bin/. Tests that publish with their own properties or runtime
/// use one, since other tests build and restore the sample in place at the same time (a restore there between this
/// build's restore and its compile stops it, e.g. NETSDK1047 for a runtime the other restore did not ask for).
/// Linked from tests/Shared.
/// </summary>
internal static class SampleCopy
{
    /// <summary>Makes the copy afresh (an earlier one of the same name is replaced) and returns its folder.</summary>
    public static string Create(string repositoryRoot, string sample, string name)
    {
        var project = Path.Combine(repositoryRoot, "artifacts", name);
        if (Directory.Exists(project))
        {
            Directory.Delete(project, recursive: true);
        }

        Directory.CreateDirectory(project);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(repositoryRoot, "samples", sample)))
        {
            File.Copy(file, Path.Combine(project, Path.GetFileName(file)));
        }

        return project;
    }
}
