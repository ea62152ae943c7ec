namespace Flows.Build;

/// <summary>Marks the Flows.Build assembly; the types of this project live beside it.</summary>
internal static class AssemblyMarker
{
}
