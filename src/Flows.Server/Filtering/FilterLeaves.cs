using System.Globalization;
using System.Text.Json;
using Flows.Server.Hosting;
using Flows.Server.Storage;

namespace Flows.Server.Filtering;

/// <summary>
/// The SQL of Prefect's criteria, one builder per kind, with the value checks pydantic would make (a wrong type is a 422
/// naming the field). A column is given as a function of the scope so the same criterion works on a real column
/// (<c>Col("name")</c>) or on a field of the JSON body (<c>BodyField("flow_version")</c>).
/// </summary>
internal static class FilterLeaves
{
    public static Func<FilterScope, string> Col(string name) => s => s.Column(name);

    public static Func<FilterScope, string> BodyField(string path) => s => s.Json(path);

    /// <summary><c>any_</c>: the column is one of the values (an empty list matches nothing, as SQL IN () does in Prefect).</summary>
    public static FilterLeaf In(Func<FilterScope, string> column, ValueKind kind = ValueKind.Text)
        => FilterLeaf.Sql((s, v) => InList(s, column(s), Values(s, v, kind), negate: false));

    /// <summary><c>not_any_</c>: the column is none of the values (a NULL column is excluded, as in SQL).</summary>
    public static FilterLeaf NotIn(Func<FilterScope, string> column, ValueKind kind = ValueKind.Text)
        => FilterLeaf.Sql((s, v) => InList(s, column(s), Values(s, v, kind), negate: true));

    /// <summary><c>like_</c>: case-insensitive substring; an empty string is no criterion.</summary>
    public static FilterLeaf Like(Func<FilterScope, string> column)
        => FilterLeaf.Sql((s, v) => Text(s, v) is { Length: > 0 } like ? LikeSql(s, column(s), "%" + SqlWhere.EscapeLike(like.ToLowerInvariant()) + "%") : null);

    /// <summary><c>startswith_</c>: case-insensitive prefix, any of the values.</summary>
    public static FilterLeaf StartsWith(Func<FilterScope, string> column)
        => FilterLeaf.Sql((s, v) =>
        {
            var values = Values(s, v, ValueKind.Text);
            return values.Count == 0 ? "1 = 0" : "(" + string.Join(" OR ", values.Select(x => LikeSql(s, column(s), SqlWhere.EscapeLike(x.ToLowerInvariant()) + "%"))) + ")";
        });

    /// <summary><c>is_null_</c>: true keeps rows where the column is null, false rows where it is not.</summary>
    public static FilterLeaf IsNull(Func<FilterScope, string> column)
        => FilterLeaf.Sql((s, v) => Bool(s, v) ? $"{column(s)} IS NULL" : $"{column(s)} IS NOT NULL");

    /// <summary><c>before_</c> (inclusive).</summary>
    public static FilterLeaf Before(Func<FilterScope, string> column)
        => FilterLeaf.Sql((s, v) => $"{column(s)} <= {s.Where.Param(Rows.Time(Time(s, v)))}");

    /// <summary><c>after_</c> (inclusive).</summary>
    public static FilterLeaf After(Func<FilterScope, string> column)
        => FilterLeaf.Sql((s, v) => $"{column(s)} >= {s.Where.Param(Rows.Time(Time(s, v)))}");

    /// <summary><c>ge_</c> on an integer column.</summary>
    public static FilterLeaf AtLeast(Func<FilterScope, string> column)
        => FilterLeaf.Sql((s, v) => $"{column(s)} >= {s.Where.Param(Int(s, v))}");

    /// <summary><c>le_</c> on an integer column.</summary>
    public static FilterLeaf AtMost(Func<FilterScope, string> column)
        => FilterLeaf.Sql((s, v) => $"{column(s)} <= {s.Where.Param(Int(s, v))}");

    /// <summary><c>eq_</c> on a boolean field of the JSON body (read as 'true'/'false').</summary>
    public static FilterLeaf JsonBoolEquals(string path)
        => FilterLeaf.Sql((s, v) => $"COALESCE({s.Json(path)}, 'false') = {s.Where.Param(Bool(s, v) ? "true" : "false")}");

    /// <summary>Tags stored as "|a|b|": <c>all_</c> (has every tag).</summary>
    public static FilterLeaf TagsAll(string column)
        => FilterLeaf.Sql((s, v) =>
        {
            var tags = Values(s, v, ValueKind.Text);
            return tags.Count == 0 ? "1 = 1" : "(" + string.Join(" AND ", tags.Select(t => TagSql(s, column, t))) + ")";
        });

    /// <summary><c>any_</c> on tags (has at least one).</summary>
    public static FilterLeaf TagsAny(string column)
        => FilterLeaf.Sql((s, v) =>
        {
            var tags = Values(s, v, ValueKind.Text);
            return tags.Count == 0 ? "1 = 0" : "(" + string.Join(" OR ", tags.Select(t => TagSql(s, column, t))) + ")";
        });

    /// <summary><c>is_null_</c> on tags: Prefect compares with the empty list.</summary>
    public static FilterLeaf TagsIsNull(string column)
        => FilterLeaf.Sql((s, v) => Bool(s, v) ? $"{s.Column(column)} = '|'" : $"{s.Column(column)} <> '|'");

    public enum ValueKind
    {
        Text,
        Uuid,
        StateType,
        WorkerStatus,
    }

    public static string InList(FilterScope s, string column, IReadOnlyList<string> values, bool negate)
    {
        if (values.Count == 0)
        {
            return negate ? "1 = 1" : "1 = 0";
        }

        return $"{column} {(negate ? "NOT IN" : "IN")} ({string.Join(", ", values.Select(x => s.Where.Param(x)))})";
    }

    public static IReadOnlyList<string> Values(FilterScope s, JsonElement value, ValueKind kind)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(s, "Input should be a valid list", "list_type");
        }

        var result = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw Invalid(s, "Input should be a valid string", "string_type");
            }

            var text = item.GetString()!;
            result.Add(kind switch
            {
                ValueKind.Uuid => Guid.TryParse(text, out var id) ? id.ToString() : throw Invalid(s, $"Input should be a valid UUID: '{text}'", "uuid_parsing"),
                ValueKind.StateType => StateTypes.Contains(text) ? text : throw Invalid(s, $"Input should be one of {string.Join(", ", StateTypes)}: '{text}'", "enum"),
                ValueKind.WorkerStatus => text is "ONLINE" or "OFFLINE" ? text : throw Invalid(s, $"Input should be 'ONLINE' or 'OFFLINE': '{text}'", "enum"),
                _ => text,
            });
        }

        return result;
    }

    public static string Text(FilterScope s, JsonElement value)
        => value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Invalid(s, "Input should be a valid string", "string_type");

    public static bool Bool(FilterScope s, JsonElement value)
        => value.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => throw Invalid(s, "Input should be a valid boolean", "bool_type") };

    public static long Int(FilterScope s, JsonElement value)
        => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : throw Invalid(s, "Input should be a valid integer", "int_type");

    public static DateTimeOffset Time(FilterScope s, JsonElement value)
        => value.ValueKind == JsonValueKind.String
           && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw Invalid(s, "Input should be a valid datetime", "datetime_parsing");

    public static ApiException Invalid(FilterScope s, string message, string type) => ApiException.Validation(s.Location, message, type);

    private static readonly string[] StateTypes = ["SCHEDULED", "PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", "CRASHED", "PAUSED", "CANCELLING"];

    private static string LikeSql(FilterScope s, string column, string pattern) => $"lower({column}) LIKE {s.Where.Param(pattern)} ESCAPE '\\'";

    private static string TagSql(FilterScope s, string column, string tag) => $"{s.Column(column)} LIKE {s.Where.Param("%|" + SqlWhere.EscapeLike(tag) + "|%")} ESCAPE '\\'";
}
