using System.Globalization;

namespace Flows.Server.Storage;

/// <summary>Builds an AND-ed WHERE clause with numbered parameters (Prefect's filter bodies compile in Filtering/).</summary>
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

    /// <summary>Escapes % _ and \ for a LIKE pattern used with ESCAPE '\'.</summary>
    public static string EscapeLike(string value) => value.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");

    public override string ToString() => _clauses.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", _clauses);
}
