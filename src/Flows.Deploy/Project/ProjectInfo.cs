namespace Flows.Deploy.Project;

/// <summary>The project being deployed: its directory, its csproj (when there is one) and the assembly name the
/// build gives it (where the flow manifest is found).</summary>
public sealed record ProjectInfo(string Directory, string? ProjectFile, string AssemblyName);
