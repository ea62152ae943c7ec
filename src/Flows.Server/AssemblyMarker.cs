namespace Flows.Server;

/// <summary>Marks the Flows.Server assembly; the types of this project live beside it.</summary>
internal static class AssemblyMarker
{
}
