using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Xml.Linq;
using Flows.Generators.Model;
using Flows.Generators.Schema;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Flows.Generators;

/// <summary>Reads one [Flow] method into a <see cref="FlowModel"/>, with its schema, helpers and diagnostics.</summary>
internal static class FlowModelBuilder
{
    public static FlowModel? Build(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not IMethodSymbol method || context.TargetNode is not MethodDeclarationSyntax syntax)
        {
            return null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var attribute = context.Attributes[0];
        var explicitName = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
        var attributeDescription = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Description").Value.Value as string;
        var name = explicitName ?? FlowNames.FromMethod(method.Name, method.IsAsync || IsTaskLike(method.ReturnType));
        var location = syntax.Identifier.GetLocation();
        var diagnostics = new List<DiagnosticInfo>();
        var methodDisplay = method.ContainingType.ToDisplayString() + "." + method.Name;

        if (FlowNames.Invalid(name) is { } invalid)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidName, location, name, invalid));
        }

        if (method.IsGenericMethod || IsInGenericType(method))
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.Generic, location, name, methodDisplay));
        }

        if (!TypeMapper.IsAccessible(method))
        {
            var what = method.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal
                ? "its containing type " + method.ContainingType.Name
                : methodDisplay;
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.Inaccessible, location, name, what, "not public or internal"));
        }

        if (!method.IsStatic && (method.ContainingType.TypeKind != TypeKind.Class || method.ContainingType.IsAbstract ||
            !method.ContainingType.InstanceConstructors.Any(c => c.Parameters.Length == 0 && c.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal)))
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.NoParameterlessConstructor, location, name, methodDisplay, method.ContainingType.Name));
        }

        if (method.IsAsync && method.ReturnsVoid)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.AsyncVoid, location, name, methodDisplay));
        }

        var docs = Documentation.Read(syntax);
        var mapper = new TypeMapper(name, location);
        var parameters = new List<ParameterModel>();
        var properties = new JsonObj();
        var required = new List<object?>();
        var position = 0;
        foreach (var parameter in method.Parameters)
        {
            var parameterLocation = parameter.Locations.FirstOrDefault() ?? location;
            if (parameter.RefKind != RefKind.None || parameter.IsParams)
            {
                var kind = parameter.IsParams ? "params" : parameter.RefKind.ToString().ToLowerInvariant();
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.RefParameter, parameterLocation, name, parameter.Name, kind));
                continue;
            }

            var typeName = TypeMapper.Display(parameter.Type);
            if (parameter.Type.ToDisplayString() == "System.Threading.CancellationToken")
            {
                parameters.Add(new ParameterModel(parameter.Name, typeName, true, false, null, string.Empty, string.Empty, string.Empty, string.Empty));
                continue;
            }

            var mapping = mapper.Map(parameter.Type, out var reason);
            if (mapping is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnsupportedParameterType, parameterLocation, name, parameter.Name, parameter.Type.ToDisplayString(), reason));
                continue;
            }

            string? defaultLiteral = null;
            object? defaultJson = null;
            var hasDefaultJson = false;
            if (parameter.HasExplicitDefaultValue)
            {
                defaultLiteral = Literals.ToCSharp(parameter.ExplicitDefaultValue, parameter.Type, typeName);
                defaultJson = Literals.ToJson(parameter.ExplicitDefaultValue, parameter.Type, out hasDefaultJson);
            }

            docs.Parameters.TryGetValue(parameter.Name, out var description);
            properties.Set(parameter.Name, TypeMapper.Decorate(mapping.Schema, parameter.Name, position++, description, hasDefaultJson, defaultJson));
            if (!parameter.HasExplicitDefaultValue)
            {
                required.Add(parameter.Name);
            }

            parameters.Add(new ParameterModel(
                parameter.Name,
                typeName,
                false,
                !parameter.HasExplicitDefaultValue,
                defaultLiteral,
                mapping.ReadFormat,
                mapping.WriteFormat,
                mapping.Expected,
                mapping.JsonType));
        }

        diagnostics.AddRange(mapper.Warnings);
        var schema = new JsonObj()
            .Set("title", "Parameters")
            .Set("type", "object")
            .Set("properties", properties)
            .Set("required", required)
            .Set("definitions", mapper.Definitions);

        var (kind2, resultType) = Classify(method);
        var lineSpan = syntax.Identifier.GetLocation().GetLineSpan();
        return new FlowModel(
            name,
            methodDisplay,
            method.GetDocumentationCommentId() ?? methodDisplay,
            method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            method.Name,
            method.IsStatic,
            kind2,
            TypeMapper.Display(method.ReturnType),
            resultType,
            syntax.SyntaxTree.FilePath,
            lineSpan.StartLinePosition.Line + 1,
            attributeDescription ?? docs.Summary,
            JsonText.Write(schema),
            new EquatableArray<ParameterModel>(parameters),
            new EquatableArray<HelperModel>(mapper.Helpers),
            new EquatableArray<DiagnosticInfo>(diagnostics));
    }

    private static (ReturnKind Kind, string ResultType) Classify(IMethodSymbol method)
    {
        if (method.ReturnsVoid)
        {
            return (ReturnKind.Void, "void");
        }

        var type = method.ReturnType as INamedTypeSymbol;
        var name = type?.OriginalDefinition.ToDisplayString();
        return name switch
        {
            "System.Threading.Tasks.Task" => (ReturnKind.Task, "void"),
            "System.Threading.Tasks.Task<TResult>" => (ReturnKind.TaskOfT, TypeMapper.Display(type!.TypeArguments[0])),
            "System.Threading.Tasks.ValueTask" => (ReturnKind.ValueTask, "void"),
            "System.Threading.Tasks.ValueTask<TResult>" => (ReturnKind.ValueTaskOfT, TypeMapper.Display(type!.TypeArguments[0])),
            _ => (ReturnKind.Value, TypeMapper.Display(method.ReturnType)),
        };
    }

    private static bool IsTaskLike(ITypeSymbol type) =>
        type.OriginalDefinition.ToDisplayString() is "System.Threading.Tasks.Task" or "System.Threading.Tasks.Task<TResult>"
            or "System.Threading.Tasks.ValueTask" or "System.Threading.Tasks.ValueTask<TResult>";

    private static bool IsInGenericType(IMethodSymbol method)
    {
        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.IsGenericType)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The XML doc comment of a method, read from syntax (works without GenerateDocumentationFile).</summary>
    private sealed class Documentation
    {
        public string? Summary { get; private set; }

        public Dictionary<string, string> Parameters { get; } = new(StringComparer.Ordinal);

        public static Documentation Read(MethodDeclarationSyntax syntax)
        {
            var result = new Documentation();
            // With DocumentationMode.None (no GenerateDocumentationFile), "///" lines arrive as plain comments.
            var text = new StringBuilder();
            foreach (var trivia in syntax.GetLeadingTrivia())
            {
                if (trivia.IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia) ||
                    (trivia.IsKind(SyntaxKind.SingleLineCommentTrivia) && trivia.ToString().StartsWith("///", StringComparison.Ordinal)))
                {
                    foreach (var line in trivia.ToFullString().Split('\n'))
                    {
                        var trimmed = line.Trim();
                        text.AppendLine(trimmed.StartsWith("///", StringComparison.Ordinal) ? trimmed.Substring(3) : trimmed);
                    }
                }
            }

            if (text.Length == 0)
            {
                return result;
            }

            try
            {
                var root = XElement.Parse("<doc>" + text + "</doc>", LoadOptions.None);
                result.Summary = Clean(root.Element("summary"));
                foreach (var param in root.Elements("param"))
                {
                    var name = (string?)param.Attribute("name");
                    var value = Clean(param);
                    if (name is not null && value is not null)
                    {
                        result.Parameters[name] = value;
                    }
                }
            }
            catch (System.Xml.XmlException)
            {
                // A malformed doc comment is the compiler's to report; the flow just has no description.
            }

            return result;
        }

        private static string? Clean(XElement? element)
        {
            if (element is null)
            {
                return null;
            }

            // <see cref="X"/> and <paramref name="x"/> read as their names.
            foreach (var reference in element.Descendants().ToList())
            {
                if (reference.Name == "see" || reference.Name == "paramref" || reference.Name == "typeparamref")
                {
                    var target = (string?)reference.Attribute("cref") ?? (string?)reference.Attribute("name") ?? (string?)reference.Attribute("langword") ?? string.Empty;
                    reference.ReplaceWith(target.Contains(':') ? target.Substring(target.IndexOf(':') + 1) : target);
                }
            }

            var words = element.Value.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return words.Length == 0 ? null : string.Join(" ", words);
        }
    }
}
