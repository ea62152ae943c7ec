using System.Text.Json.Nodes;

namespace Flows.Kubernetes.Fake;

/// <summary>A failure the fake answers with a Kubernetes <c>Status</c> body, shaped as the real API server shapes it.</summary>
public sealed class StatusException : Exception
{
    public StatusException(int code, string reason, string message, JsonObject? details = null) : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    public int Code { get; }

    public string Reason { get; }

    public JsonObject? Details { get; }

    /// <summary>The <c>Status</c> object the wire carries (also the object of a watch ERROR event).</summary>
    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        if (Details is not null)
        {
            status["details"] = Details.DeepClone();
        }

        status["code"] = Code;
        return status;
    }

    public static StatusException NotFound(ResourceKind kind, string name) =>
        new(404, "NotFound", $"{kind.QualifiedResource} \"{name}\" not found", Describe(kind, name));

    public static StatusException NamespaceNotFound(string name) =>
        new(404, "NotFound", $"namespaces \"{name}\" not found", new JsonObject { ["name"] = name, ["kind"] = "namespaces" });

    public static StatusException AlreadyExists(ResourceKind kind, string name) =>
        new(409, "AlreadyExists", $"{kind.QualifiedResource} \"{name}\" already exists", Describe(kind, name));

    public static StatusException Conflict(ResourceKind kind, string name) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {kind.QualifiedResource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", Describe(kind, name));

    /// <summary>422 with one cause per problem; one cause reads bare, several are bracketed, as the real server joins them.</summary>
    public static StatusException Invalid(ResourceKind kind, string name, IReadOnlyList<FieldCause> causes)
    {
        var distinct = causes.DistinctBy(c => c.ToString()).ToList();
        var joined = distinct.Count == 1 ? distinct[0].ToString() : $"[{string.Join(", ", distinct)}]";
        var details = Describe(kind, name);
        details["kind"] = kind.Kind;
        details["causes"] = new JsonArray(distinct.Select(c => (JsonNode)c.ToJson()).ToArray());
        return new StatusException(422, "Invalid", $"{kind.QualifiedKind} \"{name}\" is invalid: {joined}", details);
    }

    public static StatusException Gone(string message) => new(410, "Expired", message);

    public static StatusException BadRequest(string message) => new(400, "BadRequest", message);

    public static StatusException PathNotFound() => new(404, "NotFound", "the server could not find the requested resource", new JsonObject());

    private static JsonObject Describe(ResourceKind kind, string name)
    {
        var details = new JsonObject { ["name"] = name };
        if (kind.Group.Length > 0)
        {
            details["group"] = kind.Group;
        }

        details["kind"] = kind.Plural;
        return details;
    }
}
