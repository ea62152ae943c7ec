using System.ComponentModel;

namespace Flows;

/// <summary>
/// Carries the compile-time flow manifest (flow names, source locations, parameter schemas) as JSON inside the
/// assembly. Emitted by the generator; read by the build tools through metadata only, never by loading the assembly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class FlowManifestAttribute(string json) : Attribute
{
    /// <summary>The manifest JSON (see docs/DESIGN.md, "The flow manifest").</summary>
    public string Json { get; } = json;
}
