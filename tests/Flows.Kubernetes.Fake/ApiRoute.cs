namespace Flows.Kubernetes.Fake;

/// <summary>A parsed request path: which resource, which namespace (null: all, or cluster scope), which object, which subresource.</summary>
internal sealed record ApiRoute(ResourceKind Kind, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>
    /// /api/v1/… and /apis/{group}/{version}/… followed by {plural}, {plural}/{name}, namespaces/{ns}/{plural}[/{name}[/{sub}]].
    /// Null when the path names nothing the fake serves (answered 404 as the real server answers unknown paths).
    /// </summary>
    public static ApiRoute? Parse(string path)
    {
        var segments = path.Trim('/').Split('/');
        string group, version;
        string[] rest;
        if (segments.Length >= 2 && segments[0] == "api")
        {
            (group, version, rest) = ("", segments[1], segments[2..]);
        }
        else if (segments.Length >= 3 && segments[0] == "apis" && segments[1].Length > 0)
        {
            (group, version, rest) = (segments[1], segments[2], segments[3..]);
        }
        else
        {
            return null;
        }

        if (rest.Length >= 3 && rest[0] == "namespaces")
        {
            var kind = ResourceKind.Find(group, version, rest[2]);
            return kind is null || !kind.Namespaced || rest.Length > 5 ? null
                : new ApiRoute(kind, rest[1], rest.Length > 3 ? rest[3] : null, rest.Length > 4 ? rest[4] : null);
        }

        if (rest.Length is 1 or 2)
        {
            var kind = ResourceKind.Find(group, version, rest[0]);
            // A namespaced resource at cluster scope is a list/watch across all namespaces, never a single object.
            return kind is null || (kind.Namespaced && rest.Length == 2) ? null : new ApiRoute(kind, null, rest.Length == 2 ? rest[1] : null, null);
        }

        return null;
    }

    /// <summary>The RBAC resource: "pods", or "pods/log" for a subresource.</summary>
    public string RbacResource => Subresource is null ? Kind.Plural : $"{Kind.Plural}/{Subresource}";
}
