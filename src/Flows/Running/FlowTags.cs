using System.Collections.Immutable;

namespace Flows;

/// <summary>
/// Tags for the flow runs started inside a scope, like Prefect's <c>with tags("local"):</c>. Scopes nest and flow
/// across <c>await</c> (they live in an <see cref="AsyncLocal{T}"/>).
/// </summary>
public static class FlowTags
{
    private static readonly AsyncLocal<ImmutableArray<string>> Scope = new();

    /// <summary>The tags in scope here, outermost first, without duplicates.</summary>
    public static IReadOnlyList<string> Current => Scope.Value.IsDefault ? [] : Scope.Value;

    /// <summary>Adds <paramref name="tags"/> to the runs started until the returned scope is disposed.</summary>
    public static IDisposable Use(params string[] tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var previous = Scope.Value;
        var builder = (previous.IsDefault ? [] : previous).ToBuilder();
        foreach (var tag in tags)
        {
            if (string.IsNullOrWhiteSpace(tag))
            {
                throw new ArgumentException("FLOWS2011: a tag cannot be empty.", nameof(tags));
            }

            if (!builder.Contains(tag))
            {
                builder.Add(tag);
            }
        }

        Scope.Value = builder.ToImmutable();
        return new Restore(previous);
    }

    /// <summary>
    /// Clears the ambient tags for the scope. A deployed run's tags are the API run's own: the local
    /// <c>using (FlowTags.Use("local"))</c> around <c>FlowsApp.RunAsync</c> must not leak into it, as Prefect's
    /// <c>with tags("local")</c> under <c>if __name__ == "__main__"</c> does not.
    /// </summary>
    public static IDisposable Clear()
    {
        var previous = Scope.Value;
        Scope.Value = [];
        return new Restore(previous);
    }

    private sealed class Restore(ImmutableArray<string> previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                Scope.Value = previous;
            }
        }
    }
}
