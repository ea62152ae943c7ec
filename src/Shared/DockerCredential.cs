namespace Flows.Shared;

/// <summary>
/// A user name and secret for one registry, as a docker-style auth file or a credential helper gives them. Docker's
/// convention for an identity token (an OAuth refresh token, <c>identitytoken</c> in <c>auths</c>, or a helper's answer
/// with the user <c>&lt;token&gt;</c>) is kept: <see cref="UserName"/> is <see cref="IdentityTokenUser"/> and
/// <see cref="Secret"/> the token. <see cref="ToString"/> never shows the secret. Linked source (src/Shared,
/// docs/DESIGN.md "Shared helpers"): compiled into Flows.Deploy and Flows.Workers.
/// </summary>
internal sealed record DockerCredential(string UserName, string Secret)
{
    /// <summary>The user name docker gives an identity token.</summary>
    public const string IdentityTokenUser = "<token>";

    public bool IsIdentityToken => UserName == IdentityTokenUser;

    public override string ToString() => IsIdentityToken ? "identity token ***" : $"{UserName}:***";
}
