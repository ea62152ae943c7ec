namespace Flows.Deploy;

/// <summary>Marks the Flows.Deploy assembly; the types of this project live beside it.</summary>
internal static class AssemblyMarker
{
}
