using System.Text.Json.Nodes;

namespace Flows.Kubernetes.Fake;

/// <summary>One entry of a 422's <c>details.causes</c>: the field path, the cause type and its message.</summary>
/// <param name="Field">Dotted path as the API server writes it ("metadata.name", "spec.template.spec.restartPolicy").</param>
/// <param name="Reason">"FieldValueInvalid", "FieldValueRequired", "FieldValueNotSupported", …</param>
/// <param name="Message">"Invalid value: \"x\": …", without the field.</param>
public sealed record FieldCause(string Field, string Reason, string Message)
{
    public static FieldCause InvalidValue(string field, string value, string why) =>
        new(field, "FieldValueInvalid", $"Invalid value: \"{value}\": {why}");

    public JsonObject ToJson() => new() { ["reason"] = Reason, ["message"] = Message, ["field"] = Field };

    public override string ToString() => $"{Field}: {Message}";
}
