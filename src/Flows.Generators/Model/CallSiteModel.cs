namespace Flows.Generators.Model;

/// <summary>A call to a [Flow] method in user code, to be intercepted so that the call runs as a flow run.</summary>
internal sealed record CallSiteModel(string DocumentationId, int Version, string Data, string DisplayLocation);
