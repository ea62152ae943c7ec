namespace Flows.Generators.Model;

/// <summary>How a flow method returns, which decides how its run is awaited.</summary>
internal enum ReturnKind
{
    Void,
    Value,
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
}

/// <summary>One [Flow] method, reduced to the strings the emitter needs (equatable, so the pipeline caches).</summary>
internal sealed record FlowModel(
    string Name,
    string MethodDisplay,
    string DocumentationId,
    string ContainingTypeName,
    string MethodName,
    bool IsStatic,
    ReturnKind ReturnKind,
    string ReturnTypeName,
    string ResultTypeName,
    string FilePath,
    int Line,
    string? Description,
    string SchemaJson,
    EquatableArray<ParameterModel> Parameters,
    EquatableArray<HelperModel> Helpers,
    EquatableArray<DiagnosticInfo> Diagnostics)
{
    public bool HasErrors => System.Linq.Enumerable.Any(Diagnostics, d => d.Id != FlowDiagnostics.InitOnlyClassProperty.Id);

    public bool IsAsync => ReturnKind is ReturnKind.Task or ReturnKind.TaskOfT or ReturnKind.ValueTask or ReturnKind.ValueTaskOfT;
}

/// <summary>A flow parameter: C# type, JSON name, and the generated expressions that read and write it.</summary>
internal sealed record ParameterModel(
    string Name,
    string TypeName,
    bool IsCancellationToken,
    bool Required,
    string? DefaultLiteral,
    string ReadFormat,
    string WriteFormat,
    string Expected,
    string JsonType);

/// <summary>A generated helper method (reader or writer for one type), shared by name across flows.</summary>
internal sealed record HelperModel(string Name, string Code);
