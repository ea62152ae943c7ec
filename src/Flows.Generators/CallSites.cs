using System.Linq;
using System.Threading;
using Flows.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Flows.Generators;

/// <summary>Finds direct calls to [Flow] methods declared in this compilation, so each call becomes a flow run.</summary>
internal static class CallSites
{
    public static bool IsCandidate(SyntaxNode node) =>
        node is InvocationExpressionSyntax { Expression: IdentifierNameSyntax or MemberAccessExpressionSyntax or GenericNameSyntax };

    public static CallSiteModel? Read(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        var invocation = (InvocationExpressionSyntax)context.Node;
        if (context.SemanticModel.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol method)
        {
            return null;
        }

        method = method.ReducedFrom ?? method;
        if (!method.Locations.Any(l => l.IsInSource) ||
            !method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "Flows.FlowAttribute"))
        {
            return null;
        }

        // A call through base. or on a struct receiver cannot be rewritten to the interceptor's signature.
        if (invocation.Expression is MemberAccessExpressionSyntax { Expression: BaseExpressionSyntax })
        {
            return null;
        }

#pragma warning disable RSEXPERIMENTAL002 // GetInterceptableLocation is the supported way to address a call site.
        var location = context.SemanticModel.GetInterceptableLocation(invocation, cancellationToken);
#pragma warning restore RSEXPERIMENTAL002
        if (location is null)
        {
            return null;
        }

        return new CallSiteModel(method.GetDocumentationCommentId() ?? string.Empty, location.Version, location.Data, location.GetDisplayLocation());
    }
}
