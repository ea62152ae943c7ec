using System.Globalization;
using Flows.Api.Models;

namespace Flows.Server.Storage;

/// <summary>Builds an AND-ed WHERE clause with numbered parameters from Prefect filter objects.</summary>
internal sealed class SqlWhere
{
    private readonly List<string> _clauses = [];

    public List<(string, object?)> Parameters { get; } = [];

    public void Add(string clause) => _clauses.Add(clause);

    public string Param(object? value)
    {
        var name = "p" + Parameters.Count.ToString(CultureInfo.InvariantCulture);
        Parameters.Add((name, value));
        return "@" + name;
    }

    public void AddIn(string column, IEnumerable<string>? values, bool negate = false)
    {
        if (values is null)
        {
            return;
        }

        var list = values.ToList();
        if (list.Count == 0)
        {
            _clauses.Add(negate ? "1 = 1" : "1 = 0");
            return;
        }

        _clauses.Add($"{column} {(negate ? "NOT IN" : "IN")} ({string.Join(", ", list.Select(v => Param(v)))})");
    }

    public void AddLike(string column, string? like)
    {
        if (like is not null)
        {
            _clauses.Add($"lower({column}) LIKE {Param("%" + Escape(like.ToLowerInvariant()) + "%")} ESCAPE '\\'");
        }
    }

    public void AddTags(string column, TagsFilter? tags)
    {
        if (tags is null)
        {
            return;
        }

        foreach (var tag in tags.All ?? [])
        {
            _clauses.Add($"{column} LIKE {Param("%|" + Escape(tag) + "|%")} ESCAPE '\\'");
        }

        if (tags.Any is { Count: > 0 } any)
        {
            _clauses.Add("(" + string.Join(" OR ", any.Select(tag => $"{column} LIKE {Param("%|" + Escape(tag) + "|%")} ESCAPE '\\'")) + ")");
        }

        if (tags.IsNull is { } isNull)
        {
            _clauses.Add(isNull ? $"{column} = '|'" : $"{column} <> '|'");
        }
    }

    public void AddTime(string column, TimeFilter? time)
    {
        if (time?.Before is { } before)
        {
            _clauses.Add($"{column} <= {Param(Rows.Time(before))}");
        }

        if (time?.After is { } after)
        {
            _clauses.Add($"{column} >= {Param(Rows.Time(after))}");
        }
    }

    public void AddFlowFilter(FlowFilter? filter, string prefix)
    {
        AddIn(prefix + "id", filter?.Id?.Any?.Select(g => g.ToString()));
        AddIn(prefix + "id", filter?.Id?.NotAny?.Select(g => g.ToString()), negate: true);
        AddIn(prefix + "name", filter?.Name?.Any);
        AddLike(prefix + "name", filter?.Name?.Like);
        AddTags(prefix + "tags", filter?.Tags);
    }

    /// <summary>Escapes % _ and \ for a LIKE pattern used with ESCAPE '\'.</summary>
    public static string EscapeLike(string value) => Escape(value);

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");

    public override string ToString() => _clauses.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", _clauses);
}
