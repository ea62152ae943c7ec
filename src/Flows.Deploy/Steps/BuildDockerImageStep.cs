using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Deploy.Planning;

namespace Flows.Deploy.Steps;

/// <summary>
/// <c>prefect_docker.deployments.steps.build_docker_image</c>: recognised and planned, never executed here (the image
/// issue executes it: <c>dockerfile: auto</c> → SDK container publish of the project, a path → Docker Engine build).
/// Outputs as prefect-docker's: <c>image_name</c>, <c>tag</c>, <c>image</c> (<c>image_name:tag</c>) and <c>image_id</c>
/// (null until built). A missing <c>tag</c> is <c>latest</c> (prefect-docker uses a timestamp; a plan should be repeatable).
/// Of prefect-docker's <c>**build_kwargs</c> (handed to docker-py's build) it takes <c>buildargs</c>, plus its own
/// <c>additional_tags</c> and <c>ignore_cache</c>; build args are refused for <c>dockerfile: auto</c>.
/// </summary>
/// <param name="destination">Set by <c>dotnet publish -p:DeployFlows=true</c>: the project's image is tagged with the
/// commit, and may go to the registry MSBuild properties name, whatever the step says.</param>
public sealed class BuildDockerImageStep(ImageDestination? destination = null) : IDeploymentStep
{
    public const string StepName = StepNames.BuildDockerImage;

    public string Name => StepName;

    public Task<JsonObject> RunAsync(StepInvocation invocation, CancellationToken cancellationToken = default)
    {
        var inputs = invocation.Inputs;
        if (destination is not null)
        {
            inputs = (JsonObject)inputs.DeepClone();
            inputs["tag"] = destination.Tag;
            if (destination.ImageName is not null)
            {
                inputs["image_name"] = destination.ImageName;
            }
        }

        var name = StepInputs.String(inputs, StepName, "image_name", required: true)!;
        if (name.Length == 0 || name.Any(char.IsWhiteSpace) || name.Contains("{{", StringComparison.Ordinal))
        {
            throw StepInputs.Invalid(StepName, $"'{name}' is not an image name", "Set image_name to a repository such as registry.example.com/flows");
        }

        var tag = StepInputs.String(inputs, StepName, "tag") ?? "latest";
        if (!IsValidTag(tag))
        {
            throw StepInputs.Invalid(StepName, $"'{tag}' is not a valid image tag", TagFix);
        }

        var dockerfile = StepInputs.String(inputs, StepName, "dockerfile") ?? PlannedImage.AutoDockerfile;
        var platform = StepInputs.String(inputs, StepName, "platform");
        var project = invocation.ProjectFile is null ? null : Path.GetFileName(invocation.ProjectFile);
        var buildArgs = BuildArgs(inputs);
        var auto = string.Equals(dockerfile, PlannedImage.AutoDockerfile, StringComparison.OrdinalIgnoreCase);
        if (auto && buildArgs is not null)
        {
            throw StepInputs.Invalid(StepName, "'buildargs' is given but dockerfile is auto: the SDK container build takes no build args",
                "Set MSBuild properties instead (in the csproj, or -p:Name=value), or build from a Dockerfile with 'dockerfile: Dockerfile'");
        }

        var additionalTags = AdditionalTags(inputs);
        bool? ignoreCache = inputs["ignore_cache"] is null ? null : StepInputs.Bool(inputs, StepName, "ignore_cache", fallback: false);
        if (auto && ignoreCache == true)
        {
            invocation.Recorder.Warn($"step '{StepName}': 'ignore_cache' has no effect with dockerfile: auto (the SDK container build keeps no layer cache)");
        }

        var image = new PlannedImage(name, tag, platform, project, dockerfile, buildArgs, additionalTags, ignoreCache)
        {
            Context = new ImageContext(invocation.ProjectDirectory, invocation.ProjectFile),
        };
        invocation.Recorder.PlanImage(image);
        return Task.FromResult(new JsonObject
        {
            ["image_name"] = name,
            ["tag"] = tag,
            ["image"] = image.Reference,
            ["image_id"] = null,
        });
    }

    private const string TagFix = "Use letters, digits, '_', '.' and '-' (at most 128; not starting with '.' or '-')";

    /// <summary>The distribution spec's tag grammar: <c>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}</c>.</summary>
    internal static bool IsValidTag(string tag) =>
        tag.Length is > 0 and <= 128 && tag.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-') && tag[0] is not ('.' or '-');

    // docker-py's build(buildargs=...) takes a dict of str to str; scalars are written as their text (YAML may have
    // parsed `VERSION: 1.2` as a number), anything else is a mistake worth stopping for.
    private static Dictionary<string, string>? BuildArgs(JsonObject inputs)
    {
        var node = inputs["buildargs"];
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject map)
        {
            throw StepInputs.Invalid(StepName, $"'buildargs' must be a mapping of names to text, not {node.GetValueKind().ToString().ToLowerInvariant()}",
                "Write it as 'buildargs: {NAME: value}'");
        }

        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in map)
        {
            if (key.Length == 0 || key.Any(char.IsWhiteSpace) || key.Contains('='))
            {
                throw StepInputs.Invalid(StepName, $"'buildargs' has the name '{key}', which is not a build arg name", "Use ARG names as the Dockerfile declares them (no spaces or '=')");
            }

            if (value is not JsonValue v || v.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
            {
                throw StepInputs.Invalid(StepName, $"'buildargs.{key}' must be text, not {value?.GetValueKind().ToString().ToLowerInvariant() ?? "null"}",
                    $"Write '{key}' as a string (an empty string sets it empty)");
            }

            args[key] = v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
        }

        return args;
    }

    private static List<string>? AdditionalTags(JsonObject inputs)
    {
        var node = inputs["additional_tags"];
        if (node is null)
        {
            return null;
        }

        if (node is not JsonArray list)
        {
            throw StepInputs.Invalid(StepName, $"'additional_tags' must be a list of tags, not {node.GetValueKind().ToString().ToLowerInvariant()}",
                "Write it as 'additional_tags: [latest, stable]'");
        }

        var tags = new List<string>();
        foreach (var item in list)
        {
            if (item is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
            {
                throw StepInputs.Invalid(StepName, $"'additional_tags' holds {item?.GetValueKind().ToString().ToLowerInvariant() ?? "null"}, not a tag", "Write each tag as a string");
            }

            var tag = v.GetValue<string>();
            if (!IsValidTag(tag))
            {
                throw StepInputs.Invalid(StepName, $"additional tag '{tag}' is not a valid image tag", TagFix);
            }

            if (!tags.Contains(tag))
            {
                tags.Add(tag);
            }
        }

        return tags;
    }
}

/// <summary>Where <c>dotnet publish -p:DeployFlows=true</c> puts the project's image: the commit tag, and the image name
/// of <c>FlowsContainerRegistry</c>/<c>FlowsContainerRepository</c> when set (null: the step's own).</summary>
public sealed record ImageDestination(string Tag, string? ImageName);
