namespace Flows.Deploy.Registration;

/// <summary>Registering <see cref="Deployment"/> failed; the deployments written before it were undone as
/// <see cref="Undone"/> says, so the server holds what it held before the deploy (unless a line says NOT undone).</summary>
public sealed class DeploymentRegistrationException(string deployment, Exception inner, IReadOnlyList<string> undone)
    : Exception($"registering {deployment} failed: {inner.Message.TrimEnd('.')}" + (undone.Count == 0 ? "" : $"; undone: {string.Join("; ", undone)}"), inner)
{
    public string Deployment { get; } = deployment;

    public IReadOnlyList<string> Undone { get; } = undone;
}
