// Lets records and init accessors compile on netstandard2.0, which Roslyn components must target.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit
    {
    }
}
