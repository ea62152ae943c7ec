using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Docker.DotNet.Models;
using Flows.Api.Client;
using Flows.Workers.Process;

namespace Flows.Workers.Docker;

/// <summary>When to pull the image (the docker base job template's <c>image_pull_policy</c>).</summary>
public enum ImagePullPolicy
{
    IfNotPresent,
    Always,
    Never,
}

/// <summary>A job configuration variable the docker worker cannot use; its message carries a FLOWS402x code.</summary>
public sealed class DockerJobException(string message) : Exception(message);

/// <summary>
/// The container a flow run's rendered docker job becomes, decided without touching the Engine (so it is unit
/// tested field by field). Follows Prefect's docker worker: the job's <c>command</c> split like a shell into
/// <c>Cmd</c> (unset keeps the image's own command), only the job's env plus the runner's variables (not the
/// worker's environment), Prefect's <c>prefect.io/flow-run-*</c> labels, and for an API on a loopback address the
/// <c>host</c> network on Linux, or <c>host.docker.internal</c> (mapped to the host gateway) when the job
/// chose a network, so a worker beside a local server works with no settings.
/// </summary>
public sealed partial record DockerContainerSpec(
    CreateContainerParameters Parameters,
    ImageReference Image,
    ImagePullPolicy PullPolicy,
    IReadOnlyList<string> ExtraNetworks,
    bool AutoRemove,
    bool StreamOutput)
{
    /// <summary>The host name containers use to reach the Docker host (Docker Desktop's name, mapped by hand on Linux).</summary>
    public const string DockerHostAlias = "host.docker.internal";

    /// <summary>Where the API key is put in the container (PREFECT_API_KEY_FILE points at it).</summary>
    public const string ApiKeyPath = "/run/secrets/prefect-api-key";

    /// <summary>
    /// The API key to write to <see cref="ApiKeyPath"/> before the container starts, or null. Kept out of the container's
    /// env, which <c>docker inspect</c> shows to anyone who may use the Engine (logs of tools included).
    /// </summary>
    public ContainerApiKey? ApiKey { get; init; }

    /// <summary>
    /// Builds the spec from <paramref name="job"/>; <paramref name="linux"/> decides the loopback strategy;
    /// <paramref name="apiKeyInEnv"/> keeps PREFECT_API_KEY in the env as Prefect's worker does (for images whose runner
    /// cannot read PREFECT_API_KEY_FILE: Prefect's own).
    /// </summary>
    public static DockerContainerSpec From(FlowRunJob job, bool? linux = null, bool apiKeyInEnv = false)
    {
        ArgumentNullException.ThrowIfNull(job);
        var configuration = job.Configuration;
        var image = Text(configuration, "image");
        if (string.IsNullOrWhiteSpace(image))
        {
            throw new DockerJobException($"{DockerDiagnosticCodes.NoImage}: the job has no image. Set the 'image' job variable on the deployment (work_pool.job_variables.image) or on the work pool.");
        }

        var reference = ImageReference.Parse(image);
        var networks = Strings(configuration, "networks");
        var environment = new Dictionary<string, string>(job.Environment, StringComparer.Ordinal);
        ContainerApiKey? apiKey = null;
        if (!apiKeyInEnv && environment.Remove(PrefectClientOptions.ApiKeyVariable, out var apiKeyValue))
        {
            apiKey = new ContainerApiKey(apiKeyValue);
            environment[PrefectClientOptions.ApiKeyFileVariable] = ApiKeyPath;
        }

        var networkMode = Text(configuration, "network_mode");
        var extraHosts = new List<string>();
        var apiOnLoopback = environment.TryGetValue(PrefectClientOptions.ApiUrlVariable, out var apiUrl) && IsLoopback(apiUrl);
        if (string.IsNullOrEmpty(networkMode) && networks.Count == 0 && apiOnLoopback && (linux ?? OperatingSystem.IsLinux()))
        {
            // As Prefect's docker worker: the container shares the host's network, so 127.0.0.1 is the server.
            networkMode = "host";
        }

        if (networkMode != "host")
        {
            if (apiOnLoopback)
            {
                environment[PrefectClientOptions.ApiUrlVariable] = ReplaceLoopbackHost(apiUrl!);
            }

            // Docker Desktop defines host.docker.internal; a Linux engine (20.10+) maps it when asked.
            extraHosts.Add($"{DockerHostAlias}:host-gateway");
        }

        if (string.IsNullOrEmpty(networkMode) && networks.Count > 0)
        {
            // Docker API 1.41 attaches one network at create; the others are connected before start.
            networkMode = networks[0];
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (configuration["labels"] is JsonObject jobLabels)
        {
            foreach (var (key, value) in jobLabels)
            {
                if (value is not null)
                {
                    labels[key] = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value.ToJsonString();
                }
            }
        }

        labels["prefect.io/flow-run-id"] = job.FlowRunId.ToString();
        labels["prefect.io/flow-run-name"] = job.FlowRunName;

        var command = Text(configuration, "command");
        var parameters = new CreateContainerParameters
        {
            Image = image,
            Name = ContainerName(Text(configuration, "name") ?? job.FlowRunName),
            Cmd = string.IsNullOrWhiteSpace(command) ? null! : [.. CommandLine.Split(command)], // null: the image's own command
            Env = [.. environment.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}")],
            Labels = labels,
            AttachStdout = true,
            AttachStderr = true,
            HostConfig = new HostConfig
            {
                NetworkMode = string.IsNullOrEmpty(networkMode) ? null! : networkMode, // null: the Engine's default bridge
                ExtraHosts = extraHosts.Count == 0 ? null! : extraHosts,
                Binds = Strings(configuration, "volumes") is { Count: > 0 } volumes ? [.. volumes] : null!,
                Memory = Text(configuration, "mem_limit") is { Length: > 0 } memory ? ParseMemory(memory) : 0,
                Privileged = Flag(configuration, "privileged", false),
            },
        };

        var policy = Text(configuration, "image_pull_policy") switch
        {
            null or "" => reference.IsMoving ? ImagePullPolicy.Always : ImagePullPolicy.IfNotPresent,
            "Always" => ImagePullPolicy.Always,
            "IfNotPresent" => ImagePullPolicy.IfNotPresent,
            "Never" => ImagePullPolicy.Never,
            var other => throw new DockerJobException($"{DockerDiagnosticCodes.BadJobVariable}: image_pull_policy '{other}' is not one of Always, IfNotPresent, Never."),
        };

        return new DockerContainerSpec(
            parameters,
            reference,
            policy,
            networkMode == networks.FirstOrDefault() ? [.. networks.Skip(1)] : networks,
            Flag(configuration, "auto_remove", false),
            Flag(configuration, "stream_output", true))
        {
            ApiKey = apiKey,
        };
    }

    /// <summary>Docker's rule for names, <c>[a-zA-Z0-9][a-zA-Z0-9_.-]+</c>: other characters become '-'.</summary>
    public static string? ContainerName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        var slug = NotAllowedInName().Replace(name, "-").TrimStart('-', '_', '.');
        return slug.Length == 0 ? null : slug.Length > 250 ? slug[..250] : slug;
    }

    /// <summary>Docker's memory notation: a number with an optional b, k, m or g suffix (binary units).</summary>
    public static long ParseMemory(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim().ToLowerInvariant();
        var multiplier = 1L;
        if (text.Length > 0 && char.IsLetter(text[^1]))
        {
            multiplier = text[^1] switch
            {
                'b' => 1L,
                'k' => 1L << 10,
                'm' => 1L << 20,
                'g' => 1L << 30,
                _ => 0,
            };
            text = text[..^1];
        }

        if (multiplier == 0 || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number <= 0)
        {
            throw new DockerJobException($"{DockerDiagnosticCodes.BadJobVariable}: mem_limit '{value}' is not a memory size such as 512m or 2g.");
        }

        return number * multiplier;
    }

    private static bool IsLoopback(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.IsLoopback || string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase));

    private static string ReplaceLoopbackHost(string url)
    {
        var builder = new UriBuilder(url) { Host = DockerHostAlias };
        // UriBuilder adds the default port and a trailing slash only when the original had them; keep the path as given.
        return builder.Uri.ToString().TrimEnd('/') + (url.EndsWith('/') ? "/" : string.Empty);
    }

    private static string? Text(JsonObject configuration, string name) =>
        configuration[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static bool Flag(JsonObject configuration, string name, bool fallback) =>
        configuration[name] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : fallback;

    private static List<string> Strings(JsonObject configuration, string name) =>
        configuration[name] is JsonArray array
            ? [.. array.Select(i => i is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).OfType<string>()]
            : [];

    [GeneratedRegex("[^a-zA-Z0-9_.-]+")]
    private static partial Regex NotAllowedInName();
}

/// <summary>An API key on its way into a container; prints as *** so a logged spec does not leak it.</summary>
public sealed class ContainerApiKey(string value)
{
    public string Value { get; } = value ?? throw new ArgumentNullException(nameof(value));

    public override string ToString() => "***";
}
