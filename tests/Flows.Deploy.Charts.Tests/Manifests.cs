using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Flows.Deploy.Charts.Tests;

/// <summary>
/// Multi-document YAML (helm template, kubectl kustomize) as JSON objects, with scalars typed as kubectl and the
/// API server read them (go-yaml v2, YAML 1.1): a plain <c>true</c>, <c>yes</c> or <c>4200</c> is not a string, so an
/// unquoted label value or a quoted port is caught by the schemas rather than by a cluster.
/// </summary>
internal static class Manifests
{
    public static IReadOnlyList<JsonObject> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var objects = new List<JsonObject>();
        foreach (var document in stream.Documents)
        {
            switch (Convert(document.RootNode))
            {
                case JsonObject obj:
                    objects.Add(obj);
                    break;
                case null:
                    break; // an empty document (comments only)
                case var other:
                    throw new InvalidOperationException($"a document is not an object: {other.ToJsonString()}");
            }
        }

        return objects;
    }

    public static string Id(JsonObject obj) =>
        $"{obj["kind"]}/{(obj["metadata"]?["namespace"] is { } ns ? ns + "/" : "")}{obj["metadata"]?["name"]}";

    public static JsonObject Single(IEnumerable<JsonObject> objects, string kind) =>
        Assert.Single(objects, o => (string?)o["kind"] == kind);

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => ConvertMapping(mapping),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(Convert)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType} at {node.Start}"),
    };

    private static JsonObject ConvertMapping(YamlMappingNode mapping)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in mapping.Children)
        {
            var name = ((YamlScalarNode)key).Value ?? "";
            Assert.False(obj.ContainsKey(name), $"duplicate key '{name}' at {key.Start}");
            obj[name] = Convert(value);
        }

        return obj;
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var v = scalar.Value ?? "";
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" or "!" || scalar.Style is not ScalarStyle.Plain && tag is null)
        {
            return JsonValue.Create(v);
        }

        if (v is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (v is "y" or "Y" or "yes" or "Yes" or "YES" or "true" or "True" or "TRUE" or "on" or "On" or "ON")
        {
            return JsonValue.Create(true);
        }

        if (v is "n" or "N" or "no" or "No" or "NO" or "false" or "False" or "FALSE" or "off" or "Off" or "OFF")
        {
            return JsonValue.Create(false);
        }

        var digits = v.Replace("_", "", StringComparison.Ordinal);
        if (long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (digits.StartsWith("0x", StringComparison.Ordinal)
            && long.TryParse(digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            return JsonValue.Create(hex);
        }

        if (digits.Length > 0 && (char.IsDigit(digits[0]) || digits[0] is '-' or '+' or '.')
            && digits.All(c => char.IsDigit(c) || c is '-' or '+' or '.' or 'e' or 'E')
            && double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
        {
            return JsonValue.Create(real);
        }

        return JsonValue.Create(v);
    }
}
