using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Flows.Deploy.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Flows.Deploy.Loading;

/// <summary>A YAML document as JSON, with the line and column of every value keyed by JSON Pointer.</summary>
public sealed record YamlDocument(string File, JsonNode? Root, IReadOnlyDictionary<string, (int Line, int Column)> Positions)
{
    /// <summary>The closest known position for a pointer (walks up to the parent).</summary>
    public (int Line, int Column) PositionOf(string pointer)
    {
        while (true)
        {
            if (Positions.TryGetValue(pointer, out var p))
            {
                return p;
            }

            var slash = pointer.LastIndexOf('/');
            if (slash < 0)
            {
                return (1, 1);
            }

            pointer = pointer[..slash];
        }
    }
}

/// <summary>
/// Reads YAML into <see cref="JsonNode"/>s: anchors, aliases and <c>&lt;&lt;</c> merge keys (explicit keys win),
/// YAML 1.2 core scalars. Bounded (nesting depth, alias expansion) so hostile input fails cleanly instead of hanging.
/// </summary>
public static class YamlDocumentLoader
{
    public const string ParseErrorCode = DiagnosticCodes.YamlInvalid;
    private const int MaxDepth = 128;
    private const int MaxNodes = 200_000;

    public static YamlDocument Load(string file, string text)
    {
        return Load(file, new Parser(new StringReader(text)));
    }

    /// <summary>Builds the document from a parser's events (exposed to tests, which compare parsers).</summary>
    internal static YamlDocument Load(string file, IParser parser)
    {
        var state = new State(file);
        try
        {
            parser.Consume<StreamStart>();
            JsonNode? root = null;
            if (parser.TryConsume<DocumentStart>(out _))
            {
                root = state.ReadRoot(parser);
                parser.Consume<DocumentEnd>();
                if (parser.Accept<DocumentStart>(out var second))
                {
                    throw state.Error(second.Start, "the file holds more than one YAML document", "Keep one document (remove '---' separators)");
                }
            }

            return new YamlDocument(file, root, new PositionDictionary(state.Root));
        }
        catch (YamlException ex)
        {
            throw state.Error(ex.Start, $"invalid YAML: {ex.Message}", "Fix the YAML syntax at this position");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's parser throws this when a document ends where a value was expected.
            throw state.Error(state.LastMark, "invalid YAML: the document ends where a value was expected", "Complete or remove the value after this position");
        }
    }

    private sealed class State(string file)
    {
        // An anchor keeps its node and its positions; an alias shares those positions (no copy per use).
        private readonly Dictionary<string, (JsonNode? Node, PositionDictionary.Node Positions)> _anchors = [];
        private int _nodes;

        public PositionDictionary.Node? Root { get; private set; }

        public Mark LastMark { get; private set; } = Mark.Empty;

        public JsonNode? ReadRoot(IParser parser)
        {
            var node = Read(parser, 0, out var positions);
            Root = positions;
            return node;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private JsonNode? Read(IParser parser, int depth, out PositionDictionary.Node positions)
        {
            if (depth > MaxDepth)
            {
                throw Error(LastMark, $"nesting deeper than {MaxDepth} levels", "Flatten the document");
            }

            if (++_nodes > MaxNodes)
            {
                throw Error(LastMark, $"more than {MaxNodes} values (after expanding aliases)", "Reduce the document or its aliases");
            }

            var start = parser.Current?.Start ?? LastMark;
            LastMark = start;
            var at = ((int)start.Line, (int)start.Column);
            if (parser.TryConsume<AnchorAlias>(out var alias))
            {
                if (!_anchors.TryGetValue(alias.Value.Value, out var anchored))
                {
                    throw Error(alias.Start, $"unknown alias '*{alias.Value.Value}'", "Define the anchor (&name) before using it");
                }

                // Inner values keep the anchor's positions: that is where the user fixes them.
                positions = anchored.Positions.At(at);
                _nodes += Count(anchored.Node);
                return anchored.Node?.DeepClone();
            }

            JsonNode? node;
            AnchorName anchor;
            if (parser.TryConsume<Scalar>(out var scalar))
            {
                anchor = scalar.Anchor;
                node = ScalarValue(scalar);
                positions = new PositionDictionary.Node(at);
            }
            else if (parser.TryConsume<SequenceStart>(out var seq))
            {
                anchor = seq.Anchor;
                var array = new JsonArray();
                positions = new PositionDictionary.Node(at) { Items = [] };
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    array.Add(Read(parser, depth + 1, out var item));
                    positions.Items.Add(item);
                }

                node = array;
            }
            else
            {
                var map = parser.Consume<MappingStart>();
                anchor = map.Anchor;
                positions = new PositionDictionary.Node(at) { Keys = [] };
                node = ReadMapping(parser, depth, positions);
            }

            if (!anchor.IsEmpty)
            {
                _anchors[anchor.Value] = (node, positions);
            }

            return node;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private JsonObject ReadMapping(IParser parser, int depth, PositionDictionary.Node positions)
        {
            var obj = new JsonObject();
            List<JsonObject>? merged = null;
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyStart = parser.Current?.Start ?? LastMark;
                if (!parser.TryConsume<Scalar>(out var key))
                {
                    throw Error(keyStart, "mapping keys must be plain strings", "Write the key as text");
                }

                var value = Read(parser, depth + 1, out var valuePositions);
                positions.Add(Escape(key.Value), valuePositions);
                if (key.Value == "<<" && key.Style == ScalarStyle.Plain)
                {
                    switch (value)
                    {
                        case JsonObject m:
                            (merged ??= []).Add(m);
                            break;
                        case JsonArray a when a.All(x => x is JsonObject):
                            (merged ??= []).AddRange(a.Cast<JsonObject>());
                            break;
                        default:
                            throw Error(key.Start, "a '<<' merge key needs a mapping or a list of mappings", "Merge an anchored mapping: <<: *name");
                    }

                    continue;
                }

                if (!obj.TryAdd(key.Value, value))
                {
                    throw Error(key.Start, $"duplicate key '{key.Value}'", "Remove one of them");
                }
            }

            // Explicit keys win over merged ones; earlier merge sources win over later ones (YAML merge spec).
            foreach (var source in merged ?? [])
            {
                foreach (var (k, v) in source)
                {
                    if (!obj.ContainsKey(k))
                    {
                        obj[k] = v?.DeepClone();
                    }
                }
            }

            return obj;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static JsonNode? ScalarValue(Scalar scalar)
        {
            var v = scalar.Value;
            if (scalar.Style != ScalarStyle.Plain || (!scalar.Tag.IsEmpty && scalar.Tag.Value == "tag:yaml.org,2002:str"))
            {
                return JsonValue.Create(v);
            }

            return v switch
            {
                "" or "~" or "null" or "Null" or "NULL" => null,
                "true" or "True" or "TRUE" => JsonValue.Create(true),
                "false" or "False" or "FALSE" => JsonValue.Create(false),
                _ when long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
                _ when IsFloat(v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) => JsonValue.Create(d),
                _ => JsonValue.Create(v),
            };
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static bool IsFloat(string v) => v.Length > 0 && (char.IsDigit(v[0]) || v[0] is '-' or '+' or '.') && v.Any(char.IsDigit) && v.All(c => char.IsDigit(c) || c is '-' or '+' or '.' or 'e' or 'E');

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int Count(JsonNode? node)
        {
            var count = 1;
            switch (node)
            {
                case JsonObject o:
                    foreach (var (_, value) in o)
                    {
                        count += Count(value);
                    }

                    break;
                case JsonArray a:
                    foreach (var item in a)
                    {
                        count += Count(item);
                    }

                    break;
            }

            return count;
        }

        private static string Escape(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

        public DeployException Error(Mark mark, string message, string fix) =>
            new([new DeployDiagnostic(ParseErrorCode, true, message, fix + ".", file, Math.Max(1, (int)mark.Line), Math.Max(1, (int)mark.Column))]);
    }
}
