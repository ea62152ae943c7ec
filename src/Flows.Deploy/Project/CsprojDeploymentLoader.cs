using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using Flows.Deploy.Diagnostics;
using Flows.Deploy.Loading;
using Flows.Deploy.Steps;

namespace Flows.Deploy.Project;

/// <summary>
/// Reads <c>Flows*</c> properties and <c>&lt;FlowDeployment&gt;</c> items straight from the csproj XML and translates
/// them into the prefect.yaml shape, so one planner serves both. No MSBuild evaluation (the deploy tool stays fast
/// and needs no MSBuild): imports are not followed, and <c>$(…)</c> references or <c>Condition</c>s on these
/// properties and items are errors rather than silently wrong values. Placeholders such as <c>{{ $ENV }}</c> and
/// <c>{{ git.short_sha }}</c> work as in prefect.yaml. See README.md for the full list.
/// </summary>
public static class CsprojDeploymentLoader
{
    /// <summary>Step ids of the steps the csproj form implies; placeholders can name them.</summary>
    public const string GitStepId = "git";
    public const string ImageStepId = "image";

    private static readonly HashSet<string> KnownMetadata = new(StringComparer.Ordinal)
    {
        "Entrypoint", "Flow", "WorkPool", "WorkQueue", "Tags", "Cron", "Interval", "Timezone", "Parameters", "JobVariables",
        "Description", "Version", "Image", "Paused", "ConcurrencyLimit", "EnforceParameterSchema",
    };

    private static readonly HashSet<string> KnownProperties = new(StringComparer.Ordinal)
    {
        "FlowsImageName", "FlowsImageTag", "FlowsImagePlatform", "FlowsDockerfile", "FlowsPushImage", "FlowsWorkPool", "FlowsWorkQueue",
        "FlowsTags", "FlowsWorkingDirectory",
    };

    /// <summary>The deployments as a prefect.yaml-shaped document, or null when the project declares none.</summary>
    public static YamlDocument? Load(string projectFile)
    {
        var file = ProjectLocator.Relative(projectFile);
        XDocument xml;
        try
        {
            xml = XDocument.Load(projectFile, LoadOptions.SetLineInfo);
        }
        catch (XmlException ex)
        {
            throw new DeployException([new DeployDiagnostic(DiagnosticCodes.CsprojInvalid, true, $"invalid project XML: {ex.Message}", "Fix the XML at this position.", file, ex.LineNumber, ex.LinePosition)]);
        }

        var root = xml.Root!;
        var items = root.Elements().Where(e => e.Name.LocalName == "ItemGroup").SelectMany(g => g.Elements().Where(e => e.Name.LocalName == "FlowDeployment")).ToList();
        if (items.Count == 0)
        {
            return null;
        }

        var errors = new List<DeployDiagnostic>();
        var positions = new Dictionary<string, (int Line, int Column)>();
        var properties = new Dictionary<string, (string Value, XObject Where)>(StringComparer.Ordinal);
        foreach (var property in root.Elements().Where(e => e.Name.LocalName == "PropertyGroup").SelectMany(g => g.Elements()))
        {
            var name = property.Name.LocalName;
            if (!name.StartsWith("Flows", StringComparison.Ordinal) || !KnownProperties.Contains(name))
            {
                continue;
            }

            if (Unevaluable(property, property.Value, file, errors))
            {
                continue;
            }

            // Later definitions win, as in MSBuild.
            properties[name] = (property.Value.Trim(), property);
        }

        string? Prop(string name) => properties.TryGetValue(name, out var p) && p.Value.Length > 0 ? p.Value : null;
        (int, int) PropAt(string name, XObject fallback) => At(properties.TryGetValue(name, out var p) ? p.Where : fallback);

        var doc = new JsonObject { ["name"] = Path.GetFileNameWithoutExtension(projectFile) };
        positions[""] = At(root);
        var imageName = Prop("FlowsImageName");
        var imageTag = Prop("FlowsImageTag");
        var build = new JsonArray();
        var usesGit = imageName is not null && imageTag is null
            || properties.Values.Any(p => ReferencesGit(p.Value))
            || items.Any(i => i.Attributes().Select(a => a.Value).Concat(i.Elements().Select(e => e.Value)).Any(ReferencesGit));
        if (usesGit)
        {
            positions[$"/build/{build.Count}"] = At(items[0]);
            build.Add(new JsonObject { [GitCommitStep.StepName] = new JsonObject { ["id"] = GitStepId } });
        }

        if (imageName is not null)
        {
            var step = new JsonObject
            {
                ["id"] = ImageStepId,
                ["image_name"] = imageName,
                ["tag"] = imageTag ?? $"{{{{ {GitStepId}.short_sha }}}}",
                ["dockerfile"] = Prop("FlowsDockerfile") ?? "auto",
            };
            if (Prop("FlowsImagePlatform") is { } platform)
            {
                step["platform"] = platform;
            }

            var p = $"/build/{build.Count}/{Escape(BuildDockerImageStep.StepName)}";
            positions[$"/build/{build.Count}"] = positions[p] = PropAt("FlowsImageName", root);
            positions[$"{p}/tag"] = PropAt("FlowsImageTag", root);
            positions[$"{p}/platform"] = PropAt("FlowsImagePlatform", root);
            build.Add(new JsonObject { [BuildDockerImageStep.StepName] = step });
            if (!string.Equals(Prop("FlowsPushImage"), "false", StringComparison.OrdinalIgnoreCase))
            {
                positions["/push/0"] = PropAt("FlowsImageName", root);
                doc["push"] = new JsonArray(new JsonObject
                {
                    [PushDockerImageStep.StepName] = new JsonObject
                    {
                        ["image_name"] = $"{{{{ {ImageStepId}.image_name }}}}",
                        ["tag"] = $"{{{{ {ImageStepId}.tag }}}}",
                    },
                });
            }
        }

        if (build.Count > 0)
        {
            doc["build"] = build;
        }

        if (Prop("FlowsWorkingDirectory") is { } workdir)
        {
            positions["/pull/0"] = PropAt("FlowsWorkingDirectory", root);
            doc["pull"] = new JsonArray(new JsonObject { [StepNames.SetWorkingDirectory] = new JsonObject { ["directory"] = workdir } });
        }

        var deployments = new JsonArray();
        foreach (var item in items)
        {
            var pointer = $"/deployments/{deployments.Count}";
            deployments.Add(Deployment(item, pointer, file, imageName is not null, Prop, PropAt, positions, errors));
        }

        doc["deployments"] = deployments;
        return errors.Count > 0 ? throw new DeployException(errors) : new YamlDocument(file, doc, positions);
    }

    private static JsonObject Deployment(XElement item, string pointer, string file, bool hasImage, Func<string, string?> prop,
        Func<string, XObject, (int, int)> propAt, Dictionary<string, (int Line, int Column)> positions, List<DeployDiagnostic> errors)
    {
        positions[pointer] = At(item);
        var metadata = new Dictionary<string, (string Value, XObject Where)>(StringComparer.Ordinal);
        if (item.Attribute("Condition") is not null || item.Parent?.Attribute("Condition") is not null)
        {
            errors.Add(Error(item, file, "<FlowDeployment> items cannot carry a Condition (the csproj is read without MSBuild evaluation)",
                "Remove the Condition, or declare the deployment in prefect.yaml"));
        }

        foreach (var attribute in item.Attributes())
        {
            if (attribute.Name.LocalName is "Include")
            {
                continue;
            }

            if (attribute.Name.LocalName is "Remove" or "Update" or "Exclude")
            {
                errors.Add(Error(attribute, file, $"'{attribute.Name.LocalName}' is not supported on <FlowDeployment>", "Declare each deployment once with Include=\"name\""));
                continue;
            }

            AddMetadata(attribute.Name.LocalName, attribute.Value, attribute);
        }

        foreach (var child in item.Elements())
        {
            AddMetadata(child.Name.LocalName, child.Value, child);
        }

        void AddMetadata(string name, string value, XObject where)
        {
            if (!KnownMetadata.Contains(name))
            {
                errors.Add(Error(where, file, $"unknown <FlowDeployment> metadata '{name}'", $"Use one of: {string.Join(", ", KnownMetadata.Order())}"));
            }
            else if (!Unevaluable(where, value, file, errors))
            {
                metadata[name] = (value.Trim(), where);
            }
        }

        string? Meta(string name) => metadata.TryGetValue(name, out var m) && m.Value.Length > 0 ? m.Value : null;
        void Place(string key, string meta) => positions[$"{pointer}/{key}"] = metadata.TryGetValue(meta, out var m) ? At(m.Where) : At(item);

        var name = item.Attribute("Include")?.Value.Trim() ?? "";
        if (name.Length == 0 || name.Contains(';', StringComparison.Ordinal))
        {
            errors.Add(Error(item, file, "a <FlowDeployment> needs Include=\"name\" with exactly one name", "Write <FlowDeployment Include=\"default\" Entrypoint=\"File.cs:flow\" />"));
        }

        var d = new JsonObject { ["name"] = name };
        positions[$"{pointer}/name"] = At(item);
        if (Meta("Entrypoint") is { } entrypoint)
        {
            d["entrypoint"] = entrypoint;
            Place("entrypoint", "Entrypoint");
        }
        else if (Meta("Flow") is { } flow)
        {
            d["flow_name"] = flow;
            Place("flow_name", "Flow");
        }
        else
        {
            errors.Add(Error(item, file, $"deployment '{name}' names no flow", "Add Entrypoint=\"File.cs:flow_name\" (or Flow=\"flow_name\")"));
        }

        foreach (var (meta, key) in new[] { ("Description", "description"), ("Version", "version") })
        {
            if (Meta(meta) is { } text)
            {
                d[key] = text;
                Place(key, meta);
            }
        }

        var tags = Split(prop("FlowsTags")).Concat(Split(Meta("Tags"))).ToList();
        if (tags.Count > 0)
        {
            d["tags"] = new JsonArray(tags.Select(t => (JsonNode)t).ToArray());
            Place("tags", "Tags");
        }

        var schedules = new JsonArray();
        var timezone = Meta("Timezone");
        if (Meta("Cron") is { } cron)
        {
            Place($"schedules/{schedules.Count}", "Cron");
            schedules.Add(new JsonObject { ["cron"] = cron, ["timezone"] = timezone });
        }

        if (Meta("Interval") is { } interval)
        {
            Place($"schedules/{schedules.Count}", "Interval");
            if (ParseInterval(interval) is { } seconds)
            {
                schedules.Add(new JsonObject { ["interval"] = seconds, ["timezone"] = timezone });
            }
            else
            {
                errors.Add(Error(metadata["Interval"].Where, file, $"Interval '{interval}' is neither seconds nor hh:mm:ss", "Write Interval=\"3600\" or Interval=\"01:00:00\""));
            }
        }

        if (timezone is not null && schedules.Count == 0)
        {
            errors.Add(Error(metadata["Timezone"].Where, file, "Timezone without Cron or Interval", "Add Cron=\"…\" or Interval=\"…\", or remove Timezone"));
        }

        if (schedules.Count > 0)
        {
            d["schedules"] = schedules;
        }

        if (Json(metadata, "Parameters", file, errors) is { } parameters)
        {
            d["parameters"] = parameters;
            Place("parameters", "Parameters");
        }

        foreach (var (meta, key, kind) in new[] { ("Paused", "paused", "bool"), ("EnforceParameterSchema", "enforce_parameter_schema", "bool"), ("ConcurrencyLimit", "concurrency_limit", "int") })
        {
            if (Meta(meta) is not { } text)
            {
                continue;
            }

            Place(key, meta);
            if (kind == "bool" && bool.TryParse(text, out var b))
            {
                d[key] = b;
            }
            else if (kind == "int" && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                d[key] = n;
            }
            else
            {
                errors.Add(Error(metadata[meta].Where, file, $"{meta} '{text}' is not {(kind == "bool" ? "true or false" : "a whole number")}", $"Write {meta}=\"{(kind == "bool" ? "true" : "1")}\""));
            }
        }

        var pool = Meta("WorkPool") ?? prop("FlowsWorkPool");
        var queue = Meta("WorkQueue") ?? prop("FlowsWorkQueue");
        var jobVariables = Json(metadata, "JobVariables", file, errors) ?? new JsonObject();
        if (Meta("Image") is { } image)
        {
            jobVariables["image"] = image;
        }
        else if (hasImage && !jobVariables.ContainsKey("image"))
        {
            // As the seed's prefect.yaml does: run the image this deploy builds.
            jobVariables["image"] = $"{{{{ {ImageStepId}.image }}}}";
        }

        if (pool is not null || queue is not null || jobVariables.Count > 0)
        {
            var workPool = new JsonObject();
            if (pool is not null)
            {
                workPool["name"] = pool;
            }

            if (queue is not null)
            {
                workPool["work_queue_name"] = queue;
            }

            if (jobVariables.Count > 0)
            {
                workPool["job_variables"] = jobVariables;
            }

            d["work_pool"] = workPool;
            positions[$"{pointer}/work_pool"] = metadata.TryGetValue("WorkPool", out var wp) ? At(wp.Where) : propAt("FlowsWorkPool", item);
            Place("work_pool/job_variables", metadata.ContainsKey("JobVariables") ? "JobVariables" : "Image");
        }

        return d;
    }

    private static JsonObject? Json(Dictionary<string, (string Value, XObject Where)> metadata, string name, string file, List<DeployDiagnostic> errors)
    {
        if (!metadata.TryGetValue(name, out var m) || m.Value.Length == 0)
        {
            return null;
        }

        try
        {
            if (JsonNode.Parse(m.Value) is JsonObject obj)
            {
                return obj;
            }
        }
        catch (JsonException)
        {
            // Reported below with the fix.
        }

        errors.Add(Error(m.Where, file, $"{name} must be a JSON object, got '{m.Value}'", $"Write {name}='{{\"key\": \"value\"}}' (single quotes outside, double quotes inside)"));
        return null;
    }

    private static double? ParseInterval(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 ? s
        : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero ? span.TotalSeconds : null;

    private static IEnumerable<string> Split(string? list) =>
        (list ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool ReferencesGit(string text) => text.Contains("{{", StringComparison.Ordinal)
        && System.Text.RegularExpressions.Regex.IsMatch(text, @"\{\{\s*git\.", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));

    private static bool Unevaluable(XObject where, string value, string file, List<DeployDiagnostic> errors)
    {
        var element = where as XElement ?? where.Parent;
        var conditioned = element?.Attribute("Condition") is not null || element?.Parent?.Attribute("Condition") is not null;
        if (conditioned && where is XElement { Name.LocalName: not "FlowDeployment" } e && e.Parent?.Name.LocalName == "PropertyGroup")
        {
            errors.Add(Error(where, file, $"'{e.Name.LocalName}' is under a Condition, which the deploy tool does not evaluate",
                "Set the property unconditionally, or use {{ $ENV_VAR }} for values that vary"));
            return true;
        }

        if (value.Contains("$(", StringComparison.Ordinal) || value.Contains("@(", StringComparison.Ordinal) || value.Contains("%(", StringComparison.Ordinal))
        {
            errors.Add(Error(where, file, $"'{value.Trim()}' uses an MSBuild expression, which the deploy tool does not evaluate",
                "Write the literal value, or {{ $ENV_VAR }} / {{ git.short_sha }} placeholders"));
            return true;
        }

        return false;
    }

    private static (int Line, int Column) At(XObject where) =>
        where is IXmlLineInfo info && info.HasLineInfo() ? (info.LineNumber, info.LinePosition) : (1, 1);

    private static DeployDiagnostic Error(XObject where, string file, string message, string fix)
    {
        var (line, column) = At(where);
        return new DeployDiagnostic(DiagnosticCodes.CsprojMetadataInvalid, true, message, fix + ".", file, line, column);
    }

    private static string Escape(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
