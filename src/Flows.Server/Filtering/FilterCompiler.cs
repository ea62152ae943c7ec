using System.Text.Json;

namespace Flows.Server.Filtering;

/// <summary>
/// Turns one Prefect filter object (JSON) into a SQL condition over <see cref="FilterFields"/>: the fields set are
/// combined with the object's operator (and_ unless or_), a null field is no criterion, an object with no criterion is
/// TRUE (as Prefect's <c>as_sql_filter</c>), and an unknown or refused field is a 422 naming it.
/// </summary>
internal static class FilterCompiler
{
    public static string Compile(FilterGroup group, JsonElement value, FilterScope scope)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw FilterLeaves.Invalid(scope, $"Input should be a valid dictionary or object to extract fields from ({group.Component})", "model_attributes_type");
        }

        var and = true;
        var parts = new List<string>();
        foreach (var property in value.EnumerateObject())
        {
            var at = scope.At(property.Name);
            if (property.Name == "operator" && group.HasOperator)
            {
                and = property.Value.ValueKind switch
                {
                    JsonValueKind.String when property.Value.GetString() == "and_" => true,
                    JsonValueKind.String when property.Value.GetString() == "or_" => false,
                    _ => throw FilterLeaves.Invalid(at, "Input should be 'and_' or 'or_'", "enum"),
                };
                continue;
            }

            if (!group.Fields.TryGetValue(property.Name, out var node))
            {
                throw FilterLeaves.Invalid(at, $"Extra inputs are not permitted ({group.Component} has no field '{property.Name}')", "extra_forbidden");
            }

            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            switch (node)
            {
                case FilterGroup child:
                    parts.Add(Compile(child, property.Value, at));
                    break;
                case FilterLeaf { Support: FieldSupport.Refused } refused:
                    throw FilterLeaves.Invalid(at, $"This server does not support the filter field '{string.Join('.', at.Location.Skip(1))}': {refused.Reason}.", "unsupported_filter");
                case FilterLeaf { Support: FieldSupport.MatchesNothing }:
                    parts.Add("1 = 0");
                    break;
                case FilterLeaf leaf when leaf.ToSql!(at, property.Value) is { } sql:
                    parts.Add(sql);
                    break;
            }
        }

        if (FilterFields.RequiredField.TryGetValue(group.Component, out var required) && !value.TryGetProperty(required, out _))
        {
            throw FilterLeaves.Invalid(scope.At(required), "Field required", "missing");
        }

        return parts.Count == 0 ? "1 = 1" : "(" + string.Join(and ? " AND " : " OR ", parts) + ")";
    }
}
