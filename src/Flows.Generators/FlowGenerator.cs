using System.Collections.Immutable;
using System.Linq;
using Flows.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Flows.Generators;

/// <summary>
/// Generates, for the [Flow] methods of a project: a registry that runs a flow by name from JSON parameters (no
/// reflection), each flow's parameter schema, the flow manifest as an assembly attribute (read by the build tools
/// from metadata, never by loading the assembly), and interceptors so a direct call to a flow is a flow run.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class FlowGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var flows = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "Flows.FlowAttribute",
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                static (ctx, ct) => FlowModelBuilder.Build(ctx, ct))
            .Where(static f => f is not null)
            .Select(static (f, _) => f!)
            .Collect();

        var calls = context.SyntaxProvider
            .CreateSyntaxProvider(static (node, _) => CallSites.IsCandidate(node), static (ctx, ct) => CallSites.Read(ctx, ct))
            .Where(static c => c is not null)
            .Select(static (c, _) => c!)
            .Collect();

        var project = context.AnalyzerConfigOptionsProvider.Select(static (options, _) =>
            options.GlobalOptions.TryGetValue("build_property.MSBuildProjectDirectory", out var directory) ? directory : null);
        var assemblyName = context.CompilationProvider.Select(static (c, _) => c.AssemblyName ?? "app");

        var input = flows.Combine(calls).Combine(project).Combine(assemblyName);
        context.RegisterSourceOutput(input, static (spc, source) =>
        {
            var (((flowList, callList), projectDirectory), assembly) = source;
            Emit(spc, flowList, callList, projectDirectory, assembly);
        });
    }

    private static void Emit(SourceProductionContext context, ImmutableArray<FlowModel> flows, ImmutableArray<CallSiteModel> calls, string? projectDirectory, string assembly)
    {
        foreach (var diagnostic in flows.SelectMany(f => f.Diagnostics))
        {
            context.ReportDiagnostic(diagnostic.ToDiagnostic());
        }

        var valid = flows.Where(f => !f.HasErrors).ToList();
        foreach (var group in flows.GroupBy(f => f.Name.Replace('_', '-')).Where(g => g.Count() > 1))
        {
            var ordered = group.OrderBy(f => f.MethodDisplay, System.StringComparer.Ordinal).ToList();
            foreach (var duplicate in ordered.Skip(1))
            {
                var location = Location.Create(duplicate.FilePath, default, new Microsoft.CodeAnalysis.Text.LinePositionSpan(new(duplicate.Line - 1, 0), new(duplicate.Line - 1, 0)));
                context.ReportDiagnostic(Diagnostic.Create(FlowDiagnostics.DuplicateName, location, duplicate.Name, ordered[0].MethodDisplay, duplicate.MethodDisplay));
                valid.Remove(duplicate);
            }
        }

        if (flows.Length == 0)
        {
            return;
        }

        context.AddSource("Flows.g.cs", SourceEmitter.Emit(valid, calls, projectDirectory, assembly));
    }
}
