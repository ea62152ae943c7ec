namespace Flows.Kubernetes.Fake.Rbac;

/// <summary>Who a request is from, as the API server's authenticators say: a user name and its groups.</summary>
/// <param name="Name">"system:serviceaccount:prefect:flows-worker", "system:anonymous", or the admin's name.</param>
/// <param name="Groups">"system:serviceaccounts", "system:authenticated", "system:masters", …</param>
public sealed record UserInfo(string Name, IReadOnlyList<string> Groups)
{
    /// <summary>The group the API server lets do anything, without RBAC rules.</summary>
    public const string Masters = "system:masters";

    public static UserInfo Anonymous { get; } = new("system:anonymous", ["system:unauthenticated"]);

    public static UserInfo ServiceAccount(string @namespace, string name) =>
        new($"system:serviceaccount:{@namespace}:{name}", ["system:serviceaccounts", $"system:serviceaccounts:{@namespace}", "system:authenticated"]);

    public bool IsMaster => Groups.Contains(Masters);
}
