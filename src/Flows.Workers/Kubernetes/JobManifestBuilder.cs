using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Flows.Api.Client;
using Flows.Workers.Process;

namespace Flows.Workers.Kubernetes;

/// <summary>A job variable or manifest the kubernetes worker cannot use; its message carries a FLOWS41xx code.</summary>
public sealed class KubernetesJobException(string message) : Exception(message);

/// <summary>How the worker watches the Job (the non-manifest variables of Prefect's kubernetes template).</summary>
/// <param name="PodWatchTimeout">How long the pod may take to be Running (<c>pod_watch_timeout_seconds</c>, default 60).</param>
/// <param name="JobWatchTimeout">How long to wait for each pod event once it runs (<c>job_watch_timeout_seconds</c>; null: for ever).</param>
/// <param name="StreamOutput">Follow the pod's log to the worker's output (<c>stream_output</c>, default true).</param>
/// <param name="BackoffLimit">The Job's <c>backoffLimit</c>: how many failed pods the worker waits through before reporting.</param>
/// <param name="ClusterConfig">The <c>cluster_config</c> variable (a KubernetesClusterConfig block: <c>config</c>, <c>context_name</c>), or null.</param>
public sealed record KubernetesWatchSettings(TimeSpan PodWatchTimeout, TimeSpan? JobWatchTimeout, bool StreamOutput, int BackoffLimit, JsonObject? ClusterConfig);

/// <summary>What to create for one flow run: the Job, its namespace, and the API key's Secret when asked for.</summary>
/// <param name="Job">The batch/v1 Job manifest, ready to create.</param>
/// <param name="Namespace">Where it goes.</param>
/// <param name="ApiKeySecret">A v1 Secret holding PREFECT_API_KEY (created first, then owned by the Job), or null.</param>
/// <param name="Settings">How to watch it.</param>
public sealed record KubernetesJobPlan(JsonObject Job, string Namespace, JsonObject? ApiKeySecret, KubernetesWatchSettings Settings);

/// <summary>
/// Turns a flow run's rendered kubernetes job configuration into the Job to create, as Prefect's KubernetesWorker
/// prepares it (<c>prepare_for_flow_run</c>), without touching a cluster, so every field is unit tested:
/// <list type="bullet">
/// <item>the run's env dict becomes the container's <c>env</c> list, in front of entries the template hard-codes
/// (which therefore win, as in Prefect; a name given twice is kept once, the template's);</item>
/// <item><c>command</c> (a string) is split like a shell into <c>args</c>; no command means no args, since our
/// image's entrypoint is the app and the app is the runner (Prefect would run <c>prefect flow-run execute</c>);</item>
/// <item><c>image</c> is required (Prefect falls back to its own Python image, which cannot run a .NET flow);</item>
/// <item><c>parallelism</c>/<c>completions</c> are moved from the pod spec, where Prefect's template puts them
/// and strict validation rejects them, to the Job spec;</item>
/// <item>Prefect's <c>prefect.io/*</c> labels plus the job's <c>labels</c>, sanitised to valid label values, on the
/// Job and its pod template (so pods can be found by flow run);</item>
/// <item><c>generateName</c> from the job's <c>name</c> (default: the flow run's name) made DNS-1123 and short
/// enough that the API server's 5-character suffix keeps the Job name, and so its pods' <c>job-name</c> label,
/// within 63 characters;</item>
/// <item>resources left empty by unset cpu/memory variables are dropped;</item>
/// <item>PREFECT_API_KEY comes from a Secret through <c>secretKeyRef</c> instead of plain env (which anyone who can
/// read the Job could see): an existing one or one per run, as <see cref="ApiKeyPlacement"/> says.</item>
/// </list>
/// </summary>
public static class JobManifestBuilder
{
    /// <summary>The job variable (and <c>job_configuration</c> key) that asks for the API key in a Secret.</summary>
    public const string ApiKeySecretVariable = "api_key_secret";

    /// <summary>The key of the API key inside its Secret.</summary>
    public const string ApiKeySecretKey = "PREFECT_API_KEY";

    /// <summary>The label carrying the flow run id: how a restarted worker finds the Job it created.</summary>
    public const string FlowRunIdLabel = "prefect.io/flow-run-id";

    private const int MaxLabelValue = 63;

    /// <summary>generateName's longest base: with its "-" and the API server's 5 random characters, 63.</summary>
    private const int MaxGenerateNameBase = 63 - 1 - 5;

    public static KubernetesJobPlan Build(FlowRunJob job) => Build(job, ApiKeyPlacement.PerRunSecret);

    public static KubernetesJobPlan Build(FlowRunJob job, ApiKeyPlacement apiKey)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(apiKey);
        var configuration = job.Configuration;
        if (configuration["job_manifest"] is not JsonObject rendered)
        {
            throw new KubernetesJobException($"{KubernetesDiagnosticCodes.BadJobVariable}: the work pool's base job template has no job_configuration.job_manifest object; use the kubernetes template (flows-deploy work-pool create NAME --type kubernetes).");
        }

        var manifest = (JsonObject)rendered.DeepClone();
        var metadata = Object(manifest, "metadata");
        var jobSpec = Object(manifest, "spec");
        var podTemplate = Object(jobSpec, "template");
        var podSpec = Object(podTemplate, "spec");
        if (podSpec["containers"] is not JsonArray { Count: > 0 } containers || containers[0] is not JsonObject container)
        {
            throw new KubernetesJobException($"{KubernetesDiagnosticCodes.BadJobVariable}: job_manifest.spec.template.spec.containers has no container; the first container runs the flow.");
        }

        var @namespace = Text(configuration, "namespace") is { Length: > 0 } ns ? ns : Text(metadata, "namespace") is { Length: > 0 } mns ? mns : "default";
        metadata["namespace"] = @namespace;

        var image = Text(container, "image");
        if (string.IsNullOrWhiteSpace(image))
        {
            throw new KubernetesJobException($"{KubernetesDiagnosticCodes.NoImage}: the job has no image. Set job_variables.image on the deployment (prefect.yaml: work_pool.job_variables.image) or the 'image' variable's default on the work pool.");
        }

        Arguments(container);
        Environment(job, configuration, container, apiKey, out var apiKeySecret, @namespace);
        MovePodOnlyFields(jobSpec, podSpec);
        DropEmptyResources(container);
        Labels(job, configuration, metadata, podTemplate);
        Name(job, configuration, metadata);

        var settings = new KubernetesWatchSettings(
            PodWatchTimeout: TimeSpan.FromSeconds(Integer(configuration, "pod_watch_timeout_seconds") ?? 60),
            JobWatchTimeout: Integer(configuration, "job_watch_timeout_seconds") is { } jobWatch ? TimeSpan.FromSeconds(jobWatch) : null,
            StreamOutput: Boolean(configuration, "stream_output") ?? true,
            BackoffLimit: Integer(jobSpec, "backoffLimit") ?? 6,
            ClusterConfig: configuration["cluster_config"] as JsonObject);
        return new KubernetesJobPlan(manifest, @namespace, apiKeySecret, settings);
    }

    /// <summary>The name of the API key's Secret for a flow run: fixed, so a re-submitted run reuses it.</summary>
    public static string ApiKeySecretName(Guid flowRunId) => $"prefect-api-key-{flowRunId:D}";

    /// <summary>Lower-case DNS-1123 label (a-z, 0-9, '-', alphanumeric ends) of at most <paramref name="maxLength"/>, or null when nothing is left.</summary>
    public static string? DnsLabel(string text, int maxLength = 63)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            var ok = c is (>= 'a' and <= 'z') or (>= '0' and <= '9');
            if (ok)
            {
                builder.Append(c);
            }
            else if (builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-'); // "crimson_otter" and "crimson otter" both become "crimson-otter"
            }
        }

        var result = builder.ToString();
        result = result.Length > maxLength ? result[..maxLength] : result;
        result = result.Trim('-');
        return result.Length == 0 ? null : result;
    }

    /// <summary>
    /// A valid label value: at most 63 of [A-Za-z0-9-_.], starting and ending alphanumeric (empty is valid too).
    /// Other characters become '-', as Prefect's slugify does, so a flow run named "crimson otter" is still findable.
    /// </summary>
    public static string LabelValue(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-');
        }

        var result = builder.ToString();
        result = result.Length > MaxLabelValue ? result[..MaxLabelValue] : result;
        return result.Trim('-', '_', '.');
    }

    /// <summary>A valid label key: an optional DNS-subdomain prefix and '/', then a name like a label value (not empty).</summary>
    public static string LabelKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.LastIndexOf('/');
        var name = LabelValue(slash < 0 ? key : key[(slash + 1)..]);
        if (name.Length == 0)
        {
            throw new KubernetesJobException($"{KubernetesDiagnosticCodes.BadJobVariable}: label key '{key}' has no usable name part (letters, digits, '-', '_', '.').");
        }

        if (slash < 0)
        {
            return name;
        }

        var prefix = string.Join('.', key[..slash].Split('.').Select(part => DnsLabel(part)).Where(part => part is not null));
        return prefix.Length == 0 ? name : $"{(prefix.Length > 253 ? prefix[..253].Trim('-', '.') : prefix)}/{name}";
    }

    private static void Arguments(JsonObject container)
    {
        switch (container["args"])
        {
            case null:
                // Prefect fills `prefect flow-run execute` here; our image's entrypoint already is the runner.
                container.Remove("args");
                break;
            case JsonValue value when value.TryGetValue<string>(out var command):
                if (string.IsNullOrWhiteSpace(command))
                {
                    container.Remove("args");
                    break;
                }

                try
                {
                    container["args"] = new JsonArray([.. CommandLine.Split(command).Select(a => (JsonNode)JsonValue.Create(a))]);
                }
                catch (FormatException e)
                {
                    throw new KubernetesJobException($"{KubernetesDiagnosticCodes.BadJobVariable}: the 'command' job variable cannot be split into arguments: {e.Message}");
                }

                break;
            case JsonArray:
                break; // a template that already gives a list is used as it is
            default:
                throw new KubernetesJobException($"{KubernetesDiagnosticCodes.BadJobVariable}: the container's args must be a command string or a list of strings, not {container["args"]!.ToJsonString()}.");
        }
    }

    private static void Environment(FlowRunJob job, JsonObject configuration, JsonObject container, ApiKeyPlacement apiKey, out JsonObject? apiKeySecret, string @namespace)
    {
        apiKeySecret = null;
        if (Boolean(configuration, ApiKeySecretVariable) == true && apiKey == ApiKeyPlacement.PlainEnv)
        {
            apiKey = ApiKeyPlacement.PerRunSecret; // the pool asks for a Secret even where the worker's default is plain env
        }

        var hardCoded = container["env"] as JsonArray ?? [];
        var hardCodedNames = hardCoded.OfType<JsonObject>().Select(e => Text(e, "name")).Where(n => n is not null).ToHashSet(StringComparer.Ordinal);
        var env = new JsonArray();
        foreach (var (name, value) in job.Environment)
        {
            if (hardCodedNames.Contains(name))
            {
                continue; // the template's own entry wins, as in Prefect (it comes later in the list there)
            }

            if (name == PrefectClientOptions.ApiKeyVariable && apiKey is ApiKeyPlacement.ExistingSecret existing)
            {
                env.Add(SecretReference(name, existing.Name, existing.Key));
                continue;
            }

            if (name == PrefectClientOptions.ApiKeyVariable && apiKey == ApiKeyPlacement.PerRunSecret)
            {
                var secretName = ApiKeySecretName(job.FlowRunId);
                apiKeySecret = new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "Secret",
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = secretName,
                        ["namespace"] = @namespace,
                        ["labels"] = new JsonObject { [FlowRunIdLabel] = job.FlowRunId.ToString() },
                    },
                    ["type"] = "Opaque",
                    ["stringData"] = new JsonObject { [ApiKeySecretKey] = value },
                };
                env.Add(SecretReference(name, secretName, ApiKeySecretKey));
                continue;
            }

            env.Add(new JsonObject { ["name"] = name, ["value"] = value });
        }

        foreach (var entry in hardCoded)
        {
            env.Add(entry?.DeepClone());
        }

        container["env"] = env;
    }

    private static JsonObject SecretReference(string variable, string secretName, string key) => new()
    {
        ["name"] = variable,
        ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = secretName, ["key"] = key } },
    };

    private static void MovePodOnlyFields(JsonObject jobSpec, JsonObject podSpec)
    {
        foreach (var field in new[] { "parallelism", "completions" })
        {
            if (podSpec[field] is { } value)
            {
                podSpec.Remove(field);
                if (jobSpec[field] is null)
                {
                    jobSpec[field] = value.DeepClone();
                }
            }
        }
    }

    private static void DropEmptyResources(JsonObject container)
    {
        if (container["resources"] is not JsonObject resources)
        {
            return;
        }

        foreach (var part in new[] { "limits", "requests" })
        {
            if (resources[part] is JsonObject { Count: 0 })
            {
                resources.Remove(part);
            }
        }

        if (resources.Count == 0)
        {
            container.Remove("resources");
        }
    }

    private static void Labels(FlowRunJob job, JsonObject configuration, JsonObject metadata, JsonObject podTemplate)
    {
        // Prefect's base labels first; the job's own labels (the template's `labels` variable) may override them.
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [FlowRunIdLabel] = job.FlowRunId.ToString(),
            ["prefect.io/flow-run-name"] = job.FlowRunName,
        };
        if (job.Context is { } context)
        {
            Add(labels, "prefect.io/flow-id", context.FlowId?.ToString());
            Add(labels, "prefect.io/flow-name", context.FlowName);
            Add(labels, "prefect.io/deployment-id", context.DeploymentId?.ToString());
            Add(labels, "prefect.io/deployment-name", context.DeploymentName);
            Add(labels, "prefect.io/work-pool-id", context.WorkPoolId?.ToString());
            Add(labels, "prefect.io/work-pool-name", context.WorkPoolName);
            Add(labels, "prefect.io/worker-name", context.WorkerName);
        }

        foreach (var source in new[] { metadata["labels"], configuration["labels"] })
        {
            if (source is JsonObject given)
            {
                foreach (var (key, value) in given)
                {
                    labels[key] = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? string.Empty;
                }
            }
        }

        var sanitised = new JsonObject();
        foreach (var (key, value) in labels)
        {
            sanitised[LabelKey(key)] = LabelValue(value);
        }

        metadata["labels"] = sanitised;
        var podMetadata = Object(podTemplate, "metadata");
        var podLabels = podMetadata["labels"] as JsonObject ?? [];
        foreach (var (key, value) in sanitised)
        {
            podLabels[key] = value?.DeepClone();
        }

        podMetadata["labels"] = podLabels;
        if (metadata["annotations"] is JsonObject annotations && podMetadata["annotations"] is null && annotations.Count > 0)
        {
            // Prefect's template puts annotations on the Job only; the pod gets them too so they reach its events and logs tooling.
            podMetadata["annotations"] = annotations.DeepClone();
        }

        static void Add(Dictionary<string, string> labels, string key, string? value)
        {
            if (value is not null)
            {
                labels[key] = value;
            }
        }
    }

    private static void Name(FlowRunJob job, JsonObject configuration, JsonObject metadata)
    {
        if (Text(metadata, "name") is { Length: > 0 } fixedName)
        {
            // A template that hard-codes metadata.name gets it, made valid; a second run then meets 409 AlreadyExists.
            metadata["name"] = DnsLabel(fixedName) ?? throw new KubernetesJobException($"{KubernetesDiagnosticCodes.BadJobVariable}: job_manifest.metadata.name '{fixedName}' has no letters or digits.");
            metadata.Remove("generateName");
            return;
        }

        // The template's "{{ name }}-" renders to "-" when the name variable is unset: fall back to the run's name.
        var candidates = new[] { Text(metadata, "generateName")?.TrimEnd('-'), Text(configuration, "name"), job.FlowRunName, "flow-run" };
        var name = candidates.Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => DnsLabel(c!, MaxGenerateNameBase)).First(c => c is not null);
        metadata["generateName"] = name + "-";
    }

    private static JsonObject Object(JsonObject parent, string key)
    {
        switch (parent[key])
        {
            case JsonObject existing:
                return existing;
            case null:
                var created = new JsonObject();
                parent[key] = created;
                return created;
            default:
                throw new KubernetesJobException($"{KubernetesDiagnosticCodes.BadJobVariable}: job_manifest field '{key}' must be an object, not {parent[key]!.ToJsonString()}.");
        }
    }

    private static string? Text(JsonObject obj, string key) =>
        obj[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static int? Integer(JsonObject obj, string key)
    {
        switch (obj[key])
        {
            case null:
                return null;
            case JsonValue v when v.TryGetValue<int>(out var i):
                return i;
            case JsonValue v when v.TryGetValue<double>(out var d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue:
                return (int)d;
            case JsonValue v when v.TryGetValue<string>(out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed):
                return parsed;
            case JsonValue v when v.TryGetValue<string>(out var s) && string.IsNullOrWhiteSpace(s):
                return null;
            default:
                throw new KubernetesJobException($"{KubernetesDiagnosticCodes.BadJobVariable}: '{key}' must be a whole number of seconds or a count, not {obj[key]!.ToJsonString()}.");
        }
    }

    private static bool? Boolean(JsonObject obj, string key) => obj[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<string>(out var s) && bool.TryParse(s, out var parsed) => parsed,
        _ => throw new KubernetesJobException($"{KubernetesDiagnosticCodes.BadJobVariable}: '{key}' must be true or false, not {obj[key]!.ToJsonString()}."),
    };
}
