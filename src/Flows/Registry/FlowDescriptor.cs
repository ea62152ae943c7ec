using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flows;

/// <summary>
/// A flow as the generator describes it: name, source location, parameter schema, and a binder that turns JSON
/// parameters into a typed call without reflection. Instances are created by generated code only.
/// </summary>
public sealed class FlowDescriptor
{
    private readonly Func<FlowArguments, FlowBody> _bind;
    private JsonObject? _schema;

    public FlowDescriptor(
        string name,
        string method,
        string? sourceFile,
        int line,
        string? description,
        string parameterSchemaJson,
        IReadOnlyList<FlowParameterInfo> parameters,
        Func<FlowArguments, FlowBody> bind)
    {
        Name = name;
        Method = method;
        SourceFile = sourceFile;
        Line = line;
        Description = description;
        ParameterSchemaJson = parameterSchemaJson;
        Parameters = parameters;
        _bind = bind;
    }

    /// <summary>The flow's name.</summary>
    public string Name { get; }

    /// <summary>The method, <c>Namespace.Type.Method</c>.</summary>
    public string Method { get; }

    /// <summary>The source file relative to the project directory, '/'-separated.</summary>
    public string? SourceFile { get; }

    /// <summary>The 1-based line of the method.</summary>
    public int Line { get; }

    /// <summary>From <see cref="FlowAttribute.Description"/> or the XML doc summary.</summary>
    public string? Description { get; }

    /// <summary>Prefect's <c>parameter_openapi_schema</c>, as JSON text.</summary>
    public string ParameterSchemaJson { get; }

    /// <summary>The parameters, in declaration order.</summary>
    public IReadOnlyList<FlowParameterInfo> Parameters { get; }

    /// <summary>The parameter schema, parsed once.</summary>
    public JsonObject ParameterSchema => (JsonObject)(_schema ??= JsonNode.Parse(ParameterSchemaJson)!.AsObject()).DeepClone();

    /// <summary>
    /// Checks and converts <paramref name="parameters"/> (a JSON object, or null for none), returning the call.
    /// Throws <see cref="FlowParameterException"/> naming this flow for unknown names, wrong types and missing
    /// required values.
    /// </summary>
    public FlowBody Bind(JsonElement parameters)
    {
        try
        {
            var arguments = new FlowArguments(parameters);
            foreach (var name in arguments.Names)
            {
                if (!Parameters.Any(p => p.Name == name))
                {
                    var known = Parameters.Count == 0 ? "it takes no parameters" : "it takes: " + string.Join(", ", Parameters.Select(p => p.Name));
                    throw new FlowParameterException($"unknown parameter '{name}'; {known}") { Parameter = name };
                }
            }

            return _bind(arguments);
        }
        catch (FlowParameterException e) when (e.FlowName is null)
        {
            throw e.ForFlow(Name);
        }
    }

    /// <summary>The parameters a run records: those given, over the schema's defaults.</summary>
    public JsonObject WithDefaults(JsonObject? given)
    {
        var result = new JsonObject();
        _schema ??= JsonNode.Parse(ParameterSchemaJson)!.AsObject();
        if (_schema["properties"] is JsonObject properties)
        {
            foreach (var (name, property) in properties)
            {
                if (property is JsonObject p && p.TryGetPropertyValue("default", out var value))
                {
                    result[name] = value?.DeepClone();
                }
            }
        }

        if (given is not null)
        {
            foreach (var (name, value) in given)
            {
                result[name] = value?.DeepClone();
            }
        }

        return result;
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
