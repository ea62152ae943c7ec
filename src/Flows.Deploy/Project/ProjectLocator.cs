using System.Xml;
using System.Xml.Linq;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Loading;
using Flows.Deploy.Manifest;

namespace Flows.Deploy.Project;

/// <summary>Finds the project, its deployments (prefect.yaml or the csproj, never both) and its compiled flow manifest.</summary>
public static class ProjectLocator
{
    /// <summary>The project at <paramref name="path"/>: a .csproj, or a directory holding exactly one (or none, for a
    /// prefect.yaml-only folder).</summary>
    public static ProjectInfo Locate(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            return full.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase)
                ? new ProjectInfo(Path.GetDirectoryName(full)!, full, AssemblyNameOf(full))
                : throw Error($"'{path}' is not a .csproj file", "Pass the project file or its directory with --project");
        }

        if (!Directory.Exists(full))
        {
            throw Error($"'{path}' does not exist", "Pass the project file or its directory with --project");
        }

        var projects = Directory.GetFiles(full, "*.csproj");
        return projects.Length switch
        {
            0 => new ProjectInfo(full, null, new DirectoryInfo(full).Name),
            1 => new ProjectInfo(full, projects[0], AssemblyNameOf(projects[0])),
            _ => throw Error($"'{path}' holds {projects.Length} project files ({string.Join(", ", projects.Select(Path.GetFileName))})",
                "Choose one with --project path/to/Project.csproj"),
        };
    }

    /// <summary>Loads the deployments: <paramref name="prefectFile"/> if given, else prefect.yaml beside the project, else
    /// the csproj's <c>&lt;FlowDeployment&gt;</c> items, else prefect.yaml at the repository root.</summary>
    public static DeploymentSource LoadDeployments(ProjectInfo project, string? prefectFile = null)
    {
        var csproj = project.ProjectFile is null ? null : CsprojDeploymentLoader.Load(project.ProjectFile);
        string? yamlPath;
        if (prefectFile is not null)
        {
            yamlPath = Path.GetFullPath(prefectFile);
            if (!File.Exists(yamlPath))
            {
                throw Error($"'{prefectFile}' does not exist", "Fix --prefect-file, or leave it out to use prefect.yaml beside the project");
            }
        }
        else
        {
            yamlPath = Path.Combine(project.Directory, "prefect.yaml");
            if (!File.Exists(yamlPath))
            {
                var root = csproj is null ? RepositoryRoot(project.Directory) : null;
                yamlPath = root is not null && File.Exists(Path.Combine(root, "prefect.yaml")) ? Path.Combine(root, "prefect.yaml") : null;
            }
        }

        YamlDocument? yaml = null;
        if (yamlPath is not null)
        {
            yaml = YamlDocumentLoader.Load(Relative(yamlPath), File.ReadAllText(yamlPath));
        }

        var yamlHasDeployments = yaml?.Root is System.Text.Json.Nodes.JsonObject top && top["deployments"] is System.Text.Json.Nodes.JsonArray { Count: > 0 };
        if (yamlHasDeployments && csproj is not null)
        {
            throw new DeployException([new DeployDiagnostic(DiagnosticCodes.BothSources, true,
                $"deployments are declared twice: in {yaml!.File} and as <FlowDeployment> items in {csproj.File}",
                "Keep one: delete the <FlowDeployment> items, or the prefect.yaml deployments", csproj.File, csproj.PositionOf("/deployments/0").Line, csproj.PositionOf("/deployments/0").Column)]);
        }

        if (csproj is not null)
        {
            return new DeploymentSource(DeploymentSourceKind.Csproj, csproj, project);
        }

        if (yaml is not null)
        {
            return new DeploymentSource(DeploymentSourceKind.PrefectYaml, yaml, project);
        }

        throw new DeployException([new DeployDiagnostic(DiagnosticCodes.NoDeployments, true, $"no deployments found for '{project.ProjectFile ?? project.Directory}'",
            "Add a prefect.yaml beside the project or <FlowDeployment Include=\"name\" Entrypoint=\"File.cs:flow\" /> items to the csproj (see src/Flows.Deploy/README.md)", project.ProjectFile)]);
    }

    /// <summary>The flow manifest: from <paramref name="explicitPath"/> (an assembly, or a manifest .json), else from the
    /// newest <c>obj/&lt;Configuration&gt;/&lt;tfm&gt;/&lt;AssemblyName&gt;.dll</c>. Nothing is built here.</summary>
    public static FlowManifest ReadManifest(ProjectInfo project, string? explicitPath = null)
    {
        var path = explicitPath is not null ? Path.GetFullPath(explicitPath) : FindCompiledAssembly(project);
        if (path is null || !File.Exists(path))
        {
            throw new DeployException([new DeployDiagnostic(DiagnosticCodes.ManifestNotBuilt, true,
                explicitPath is not null ? $"'{explicitPath}' does not exist" : $"'{project.AssemblyName}' has not been built (no obj/<Configuration>/<tfm>/{project.AssemblyName}.dll)",
                $"Build it (flows-deploy builds the project unless --no-build is given; else run 'dotnet build {Relative(project.ProjectFile ?? project.Directory)}' first: the flow manifest is compiled into the assembly), or pass --manifest-assembly PATH",
                project.ProjectFile)]);
        }

        return path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? FlowManifestReader.Parse(File.ReadAllText(path), path)
            : FlowManifestReader.ReadFromAssembly(path);
    }

    /// <summary>The newest intermediate assembly: obj is where the compiler writes first, and it exists after a plain build.
    /// <paramref name="configuration"/>: only that configuration's (the one just built), else any.</summary>
    public static string? FindCompiledAssembly(ProjectInfo project, string? configuration = null)
    {
        var obj = Path.Combine(project.Directory, "obj");
        if (!Directory.Exists(obj))
        {
            return null;
        }

        return Directory.EnumerateDirectories(obj)
            .Where(c => configuration is null || string.Equals(Path.GetFileName(c), configuration, StringComparison.OrdinalIgnoreCase))
            .SelectMany(configuration => Directory.EnumerateDirectories(configuration))
            .Select(tfm => Path.Combine(tfm, project.AssemblyName + ".dll"))
            .Where(File.Exists)
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .FirstOrDefault();
    }

    /// <summary>The directory holding <c>.git</c> above <paramref name="directory"/>, if any.</summary>
    public static string? RepositoryRoot(string directory)
    {
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    /// <summary>Paths in diagnostics are relative to the current directory when below it, as compilers print them.</summary>
    public static string Relative(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }

    private static string AssemblyNameOf(string projectFile)
    {
        try
        {
            var doc = XDocument.Load(projectFile);
            var name = doc.Root?.Elements().Where(e => e.Name.LocalName == "PropertyGroup")
                .SelectMany(g => g.Elements()).LastOrDefault(e => e.Name.LocalName == "AssemblyName")?.Value.Trim();
            return string.IsNullOrEmpty(name) || name.Contains("$(", StringComparison.Ordinal) ? Path.GetFileNameWithoutExtension(projectFile) : name;
        }
        catch (XmlException)
        {
            // CsprojDeploymentLoader reports the XML error with its position.
            return Path.GetFileNameWithoutExtension(projectFile);
        }
    }

    private static DeployException Error(string message, string fix) =>
        new([new DeployDiagnostic(DiagnosticCodes.ProjectNotFound, true, message, fix + ".")]);
}
