namespace Flows.Deploy.Selection;

/// <summary>A deployment's full name, <c>flow/deployment</c>, as <c>-n</c>, <c>deployment run</c> and <c>dev --run</c> write it.</summary>
public sealed record DeploymentKey(string Flow, string Name)
{
    /// <summary>How a name that is not <c>flow/deployment</c> is fixed.</summary>
    public const string Fix = "Write flow/deployment, e.g. hello/arthur.";

    public override string ToString() => $"{Flow}/{Name}";

    /// <summary><c>flow/deployment</c> split at its first '/' (a deployment name may hold more); null when either part is empty.</summary>
    public static DeploymentKey? TryParse(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return slash <= 0 || slash == text.Length - 1 ? null : new DeploymentKey(text[..slash], text[(slash + 1)..]);
    }
}
