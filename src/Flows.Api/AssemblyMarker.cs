namespace Flows.Api;

/// <summary>Marks the Flows.Api assembly; the types of this project live beside it.</summary>
internal static class AssemblyMarker
{
}
