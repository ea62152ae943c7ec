using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Flows.Generators.Model;

/// <summary>
/// A diagnostic held as plain values (no syntax trees or symbols), so pipeline outputs stay equatable and cacheable.
/// </summary>
internal sealed record DiagnosticInfo(string Id, string FilePath, TextSpan Span, LinePositionSpan LineSpan, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] arguments)
    {
        var lineSpan = location?.GetLineSpan() ?? default;
        return new DiagnosticInfo(descriptor.Id, lineSpan.Path ?? string.Empty, location?.SourceSpan ?? default, lineSpan.Span, new EquatableArray<string>(arguments));
    }

    public Diagnostic ToDiagnostic()
    {
        var location = FilePath.Length == 0 ? Location.None : Location.Create(FilePath, Span, LineSpan);
        return Diagnostic.Create(FlowDiagnostics.Find(Id), location, [.. Arguments]);
    }
}
