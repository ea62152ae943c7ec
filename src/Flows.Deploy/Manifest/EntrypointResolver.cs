namespace Flows.Deploy.Manifest;

/// <summary>
/// Resolves <c>path/to/File.cs:flow_name</c> (docs/DESIGN.md): the flow whose <c>source_file</c> equals the path or ends
/// with it on a '/' boundary, and whose name equals <c>flow_name</c> with '-' and '_' equivalent.
/// </summary>
public static class EntrypointResolver
{
    /// <summary>The matching flow, or null with a reason a user can act on.</summary>
    public static FlowManifestEntry? Resolve(FlowManifest manifest, string entrypoint, out string? problem)
    {
        problem = null;
        var colon = entrypoint.LastIndexOf(':');
        if (colon <= 0 || colon == entrypoint.Length - 1)
        {
            problem = $"entrypoint '{entrypoint}' is not of the form path/to/File.cs:flow_name";
            return null;
        }

        var path = entrypoint[..colon].Replace('\\', '/').TrimStart('.', '/');
        var name = Normalize(entrypoint[(colon + 1)..]);
        var inFile = manifest.Flows.Where(f => f.SourceFile == path || f.SourceFile.EndsWith("/" + path, StringComparison.Ordinal)).ToList();
        var match = inFile.FirstOrDefault(f => Normalize(f.Name) == name);
        if (match is null)
        {
            problem = inFile.Count == 0
                ? $"no [Flow] is declared in '{path}' (flows: {string.Join(", ", manifest.Flows.Select(f => $"{f.SourceFile}:{f.Name}"))})"
                : $"'{path}' declares no flow named '{entrypoint[(colon + 1)..]}' (it declares: {string.Join(", ", inFile.Select(f => f.Name))})";
        }

        return match;
    }

    private static string Normalize(string name) => name.Replace('-', '_');
}
