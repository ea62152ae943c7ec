namespace Flows.Workers;

/// <summary>Marks the Flows.Workers assembly; the types of this project live beside it.</summary>
internal static class AssemblyMarker
{
}
