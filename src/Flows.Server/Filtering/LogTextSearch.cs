using System.Text;
using System.Text.Json;
using Flows.Server.Storage;

namespace Flows.Server.Filtering;

/// <summary>
/// <c>logs.text.query</c>, Prefect's log search: space-separated terms (any may match), <c>-term</c> or <c>!term</c>
/// excluded, <c>+term</c> required, <c>"quoted phrases"</c> (with <c>\"</c> escapes); case-insensitive substrings of
/// the message and the logger name. At most 200 characters.
/// </summary>
internal static class LogTextSearch
{
    private const int MaxLength = 200;

    public static string? ToSql(FilterScope s, JsonElement value)
    {
        var query = FilterLeaves.Text(s, value);
        if (query.Length > MaxLength)
        {
            throw FilterLeaves.Invalid(s, $"String should have at most {MaxLength} characters", "string_too_long");
        }

        var (include, exclude, required) = Parse(query);
        var searchable = $"lower(COALESCE({s.Column("message")}, '') || ' ' || COALESCE({s.Json("name")}, ''))";
        string Contains(string term) => $"{searchable} LIKE {s.Where.Param("%" + SqlWhere.EscapeLike(term.ToLowerInvariant()) + "%")} ESCAPE '\\'";
        var parts = new List<string>();
        if (include.Count > 0)
        {
            parts.Add("(" + string.Join(" OR ", include.Select(Contains)) + ")");
        }

        parts.AddRange(exclude.Select(t => $"NOT ({Contains(t)})"));
        parts.AddRange(required.Select(Contains));
        return parts.Count == 0 ? null : "(" + string.Join(" AND ", parts) + ")";
    }

    public static (List<string> Include, List<string> Exclude, List<string> Required) Parse(string query)
    {
        var include = new List<string>();
        var exclude = new List<string>();
        var required = new List<string>();
        var i = 0;
        while (i < query.Length)
        {
            if (char.IsWhiteSpace(query[i]))
            {
                i++;
                continue;
            }

            var prefix = '\0';
            if (query[i] is '-' or '!' or '+')
            {
                // A prefix counts only when a term follows it directly.
                if (i + 1 < query.Length && !char.IsWhiteSpace(query[i + 1]))
                {
                    prefix = query[i];
                }

                i++;
                if (prefix == '\0')
                {
                    continue;
                }
            }

            string term;
            if (i < query.Length && query[i] == '"')
            {
                var phrase = new StringBuilder();
                i++;
                while (i < query.Length && query[i] != '"')
                {
                    if (query[i] == '\\' && i + 1 < query.Length && query[i + 1] is '"' or '\\')
                    {
                        i++;
                    }

                    phrase.Append(query[i]);
                    i++;
                }

                i++;
                term = phrase.ToString();
                if (term.Trim().Length == 0)
                {
                    continue;
                }
            }
            else
            {
                var start = i;
                while (i < query.Length && !char.IsWhiteSpace(query[i]) && query[i] != '"')
                {
                    i++;
                }

                term = query[start..i];
                if (term.Length == 0)
                {
                    continue;
                }
            }

            (prefix switch { '-' or '!' => exclude, '+' => required, _ => include }).Add(term);
        }

        return (include, exclude, required);
    }
}
