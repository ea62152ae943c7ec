using System.Text.Json.Nodes;

namespace Flows.Kubernetes.Fake.Rbac;

/// <summary>
/// The RBAC authorizer over the Roles, ClusterRoles, RoleBindings and ClusterRoleBindings stored in the fake, with
/// Kubernetes' matching rules (plugin/pkg/auth/authorizer/rbac): ClusterRoleBindings grant everywhere; a RoleBinding
/// grants in its own namespace, through a Role of that namespace or a ClusterRole; a rule matches when its apiGroups,
/// resources ("pods/log", "*", "*/log"), verbs ("*") and resourceNames (empty: any; otherwise only requests that name
/// one of them) all match. Only allow rules exist, so anything no rule grants is refused.
/// </summary>
internal sealed class RbacAuthorizer
{
    private readonly ObjectStore _store;

    public RbacAuthorizer(ObjectStore store) => _store = store;

    public bool Allows(UserInfo user, string verb, string apiGroup, string resource, string? subresource, string? @namespace, string? name)
    {
        if (user.IsMaster)
        {
            return true;
        }

        var request = new Request(verb, apiGroup, resource, subresource, name);
        foreach (var binding in _store.Find(ResourceKind.ClusterRoleBindings, null, _ => true))
        {
            if (Binds(binding, user, null) && RulesOf(binding, null).Any(request.MatchedBy))
            {
                return true;
            }
        }

        if (@namespace is null)
        {
            return false;
        }

        foreach (var binding in _store.Find(ResourceKind.RoleBindings, @namespace, _ => true))
        {
            if (Binds(binding, user, @namespace) && RulesOf(binding, @namespace).Any(request.MatchedBy))
            {
                return true;
            }
        }

        return false;
    }

    private IEnumerable<JsonObject> RulesOf(JsonObject binding, string? bindingNamespace)
    {
        var roleRef = binding["roleRef"];
        var role = roleRef.String("kind") switch
        {
            "ClusterRole" => _store.Get(ResourceKind.ClusterRoles, null, roleRef.String("name") ?? ""),
            // A Role is looked up in the binding's namespace; a ClusterRoleBinding cannot name one.
            "Role" when bindingNamespace is not null => _store.Get(ResourceKind.Roles, bindingNamespace, roleRef.String("name") ?? ""),
            _ => null,
        };
        return (role?["rules"] as JsonArray)?.OfType<JsonObject>() ?? [];
    }

    private static bool Binds(JsonObject binding, UserInfo user, string? bindingNamespace) =>
        (binding["subjects"] as JsonArray)?.OfType<JsonObject>().Any(subject => subject.String("kind") switch
        {
            "User" => subject.String("name") == user.Name,
            "Group" => subject.String("name") is { } group && user.Groups.Contains(group),
            // A ServiceAccount subject's namespace is required in a ClusterRoleBinding; a RoleBinding's defaults to its own.
            "ServiceAccount" => user.Name == $"system:serviceaccount:{subject.String("namespace") ?? bindingNamespace}:{subject.String("name")}",
            _ => false,
        }) == true;

    private sealed record Request(string Verb, string ApiGroup, string Resource, string? Subresource, string? Name)
    {
        public bool MatchedBy(JsonObject rule) =>
            Has(rule, "verbs", v => v == "*" || v == Verb)
            && Has(rule, "apiGroups", g => g == "*" || g == ApiGroup)
            && Has(rule, "resources", ResourceMatches)
            && NameMatches(rule);

        private bool ResourceMatches(string ruleResource)
        {
            var combined = Subresource is null ? Resource : $"{Resource}/{Subresource}";
            return ruleResource == "*" || ruleResource == combined || (Subresource is not null && ruleResource == "*/" + Subresource);
        }

        private bool NameMatches(JsonObject rule)
        {
            var names = (rule["resourceNames"] as JsonArray)?.Select(n => n?.GetValue<string>()).ToList();
            return names is null || names.Count == 0 || (Name is not null && names.Contains(Name));
        }

        private static bool Has(JsonObject rule, string field, Func<string, bool> match) =>
            (rule[field] as JsonArray)?.Any(v => v is JsonValue value && value.TryGetValue<string>(out var s) && match(s)) == true;
    }
}
