using System.Linq;
using Microsoft.CodeAnalysis;

namespace Flows.Generators;

/// <summary>The generator's diagnostics, FLOWS0001–FLOWS0099. Each message ends with the fix.</summary>
internal static class FlowDiagnostics
{
    private const string Category = "Flows";

    public static readonly DiagnosticDescriptor UnsupportedParameterType = new(
        "FLOWS0001",
        "Flow parameter type is not supported",
        "Flow '{0}': parameter '{1}' has type '{2}', which cannot be passed as a JSON parameter{3}. Fix: use string, bool, a number, DateTime/DateTimeOffset, TimeSpan, Guid, an enum, an array/list, a Dictionary<string, T>, or a record of those (for a file or stream, take its path or URL as a string).",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor Inaccessible = new(
        "FLOWS0002",
        "Flow is not accessible",
        "Flow '{0}': {1} is {2}. Fix: make it public or internal so the generated registry can call it.",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DuplicateName = new(
        "FLOWS0003",
        "Two flows have the same name",
        "Two flows are named '{0}': {1} and {2}. Fix: give one of them another name with [Flow(\"other-name\")].",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor Generic = new(
        "FLOWS0004",
        "Flow is generic",
        "Flow '{0}': {1} is generic, so it cannot be invoked by name. Fix: make the method and its containing types non-generic.",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NoParameterlessConstructor = new(
        "FLOWS0005",
        "Instance flow needs a parameterless constructor",
        "Flow '{0}': {1} is an instance method, but {2} has no accessible parameterless constructor. Fix: add one, or make the method static.",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidName = new(
        "FLOWS0006",
        "Flow name is invalid",
        "Flow name '{0}' is invalid: {1}. Fix: use letters, digits, '-' and '_' (Prefect rejects '/', '%', '&', '<' and '>').",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor RefParameter = new(
        "FLOWS0007",
        "Flow parameter is ref, out, in or params",
        "Flow '{0}': parameter '{1}' is declared '{2}'. Fix: take it by value (flows receive JSON parameters).",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InitOnlyClassProperty = new(
        "FLOWS0008",
        "Init-only property of a class is not bound",
        "Flow '{0}': property '{1}' of class '{2}' is init-only and will not be read from parameters. Fix: make it settable, take it in the constructor, or make the type a record.",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor AsyncVoid = new(
        "FLOWS0009",
        "Flow is async void",
        "Flow '{0}': {1} is async void, so its run cannot be awaited or end in the right state. Fix: return Task.",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    private static readonly DiagnosticDescriptor[] All =
    [
        UnsupportedParameterType, Inaccessible, DuplicateName, Generic, NoParameterlessConstructor, InvalidName, RefParameter, InitOnlyClassProperty, AsyncVoid,
    ];

    public static DiagnosticDescriptor Find(string id) => All.First(d => d.Id == id);
}
