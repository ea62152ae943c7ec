namespace Flows.Workers.Kubernetes;

/// <summary>
/// How PREFECT_API_KEY reaches a flow run's pod. Prefect's kubernetes worker puts it in the Job as plain env unless
/// told otherwise; anyone who may read Jobs (a much wider group than who may read Secrets) would then read the key,
/// so ours keeps it out of the Job by default. The worker's settings use Prefect's names:
/// <list type="bullet">
/// <item><c>PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_KEY_SECRET_NAME</c> (and <c>..._API_KEY_SECRET_KEY</c>, default
/// <c>value</c> as in Prefect): the pod reads the key from that existing Secret in the Job's namespace; the worker
/// needs no access to Secrets at all (the worker chart's default);</item>
/// <item>otherwise a Secret per flow run (<c>prefect-api-key-&lt;run id&gt;</c>, owned by the Job so it goes with it):
/// the worker needs secrets create/get/update in the namespace;</item>
/// <item><c>PREFECT_INTEGRATIONS_KUBERNETES_WORKER_CREATE_SECRET_FOR_API_KEY=false</c>: plain env, as Prefect's default,
/// for clusters where the worker may not touch Secrets and none can be referenced. A pool whose template sets
/// <c>api_key_secret: true</c> still gets the per-run Secret.</item>
/// </list>
/// </summary>
public abstract record ApiKeyPlacement
{
    public const string SecretNameVariable = "PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_KEY_SECRET_NAME";
    public const string SecretKeyVariable = "PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_KEY_SECRET_KEY";
    public const string CreateSecretVariable = "PREFECT_INTEGRATIONS_KUBERNETES_WORKER_CREATE_SECRET_FOR_API_KEY";

    private ApiKeyPlacement()
    {
    }

    /// <summary>The default: a Secret per flow run, created by the worker.</summary>
    public static ApiKeyPlacement PerRunSecret { get; } = new PerRunSecretPlacement();

    /// <summary>Plain env in the Job (Prefect's default).</summary>
    public static ApiKeyPlacement PlainEnv { get; } = new PlainEnvPlacement();

    /// <summary>From the settings above (the worker's environment); a bad value is a FLOWS4101 error.</summary>
    public static ApiKeyPlacement FromEnvironment(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        if (variable(SecretNameVariable) is { Length: > 0 } name)
        {
            return new ExistingSecret(name, variable(SecretKeyVariable) is { Length: > 0 } key ? key : "value");
        }

        return variable(CreateSecretVariable) switch
        {
            null or "" => PerRunSecret,
            var text when bool.TryParse(text, out var create) => create ? PerRunSecret : PlainEnv,
            var text => throw new KubernetesJobException($"{KubernetesDiagnosticCodes.BadJobVariable}: {CreateSecretVariable} must be true or false, not '{text}'."),
        };
    }

    /// <summary>The pod reads the key from an existing Secret of the Job's namespace.</summary>
    public sealed record ExistingSecret(string Name, string Key) : ApiKeyPlacement;

    private sealed record PerRunSecretPlacement : ApiKeyPlacement;

    private sealed record PlainEnvPlacement : ApiKeyPlacement;
}
