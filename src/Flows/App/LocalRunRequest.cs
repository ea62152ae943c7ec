using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flows;

/// <summary>
/// A local run as asked for on the command line: <c>[FLOW] [--PARAM VALUE | --PARAM=VALUE]… [--params JSON]
/// [--param K=V]… [--tag TAG]…</c>. Values are JSON when they parse as JSON and the parameter is not a string.
/// </summary>
internal sealed record LocalRunRequest(FlowDescriptor Flow, JsonObject Parameters, IReadOnlyList<string> Tags)
{
    public static LocalRunRequest Parse(IReadOnlyList<string> args, IReadOnlyList<FlowDescriptor> flows)
    {
        var index = 0;
        FlowDescriptor flow;
        if (args.Count > 0 && !args[0].StartsWith('-'))
        {
            flow = FlowCatalog.Find(args[0]) ?? flows.FirstOrDefault(f => f.Name == args[0])
                ?? throw new UsageException($"FLOWS2004: unknown flow '{args[0]}'; this app has: {Names(flows)}.");
            index = 1;
        }
        else if (flows.Count == 1)
        {
            flow = flows[0];
        }
        else
        {
            throw new UsageException(flows.Count == 0
                ? "FLOWS2006: this app has no flows. Mark a method with [Flow]."
                : $"FLOWS2007: this app has several flows; name one first: {Names(flows)}.");
        }

        var parameters = new JsonObject();
        var tags = new List<string>();
        for (; index < args.Count; index++)
        {
            var arg = args[index];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new UsageException($"FLOWS2008: unexpected argument '{arg}'. Parameters are given as --NAME VALUE.");
            }

            var (key, inlineValue) = SplitOption(arg[2..]);
            string Value()
            {
                if (inlineValue is not null)
                {
                    return inlineValue;
                }

                if (index + 1 >= args.Count)
                {
                    throw new UsageException($"FLOWS2009: --{key} needs a value.");
                }

                return args[++index];
            }

            switch (key)
            {
                case "params":
                    MergeParams(parameters, Value());
                    break;
                case "param":
                    var pair = Value();
                    var eq = pair.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0)
                    {
                        throw new UsageException($"FLOWS2009: --param expects NAME=VALUE, got '{pair}'.");
                    }

                    SetParameter(flow, parameters, pair[..eq], pair[(eq + 1)..]);
                    break;
                case "tag":
                    tags.Add(Value());
                    break;
                default:
                    var parameter = FindParameter(flow, key)
                        ?? throw new FlowParameterException($"unknown parameter '{key}'; {Takes(flow)}") { Parameter = key, FlowName = flow.Name };
                    var boolFlag = parameter.JsonType == "boolean" && inlineValue is null && (index + 1 >= args.Count || args[index + 1].StartsWith("--", StringComparison.Ordinal));
                    SetParameter(flow, parameters, parameter.Name, boolFlag ? "true" : Value());
                    break;
            }
        }

        return new LocalRunRequest(flow, parameters, tags);
    }

    private static (string Key, string? Value) SplitOption(string option)
    {
        var eq = option.IndexOf('=', StringComparison.Ordinal);
        return eq < 0 ? (option, null) : (option[..eq], option[(eq + 1)..]);
    }

    private static void MergeParams(JsonObject parameters, string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new UsageException($"FLOWS2009: --params is not valid JSON: {e.Message}");
        }

        if (node is not JsonObject obj)
        {
            throw new UsageException("FLOWS2009: --params must be a JSON object, e.g. '{\"name\": \"Arthur\"}'.");
        }

        foreach (var (key, value) in obj)
        {
            parameters[key] = value?.DeepClone();
        }
    }

    private static void SetParameter(FlowDescriptor flow, JsonObject parameters, string name, string text)
    {
        var parameter = FindParameter(flow, name);
        var key = parameter?.Name ?? name;
        if (parameter?.JsonType == "string")
        {
            parameters[key] = text;
            return;
        }

        try
        {
            parameters[key] = JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            parameters[key] = text;
        }
    }

    private static FlowParameterInfo? FindParameter(FlowDescriptor flow, string name) =>
        flow.Parameters.FirstOrDefault(p => p.Name == name)
        ?? flow.Parameters.FirstOrDefault(p => string.Equals(Plain(p.Name), Plain(name), StringComparison.OrdinalIgnoreCase));

    private static string Plain(string name) => name.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal);

    private static string Takes(FlowDescriptor flow) =>
        flow.Parameters.Count == 0 ? "it takes no parameters" : "it takes: " + string.Join(", ", flow.Parameters.Select(p => p.Name));

    private static string Names(IEnumerable<FlowDescriptor> flows) => string.Join(", ", flows.Select(f => f.Name));
}
