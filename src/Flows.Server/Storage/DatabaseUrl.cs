using Npgsql;

namespace Flows.Server.Storage;

/// <summary>
/// Opens the database a URL names: empty → SQLite file under FLOWS_HOME; <c>sqlite:///path</c> (also
/// Prefect's <c>sqlite+aiosqlite:///</c>) or a bare path → SQLite; <c>postgresql://user:pass@host:port/db</c>
/// (also <c>postgresql+asyncpg://</c>) or an Npgsql key=value string (<c>Host=…</c>) → PostgreSQL.
/// </summary>
public static class DatabaseUrl
{
    public static Database Open(string? url, string flowsHome)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return new SqliteDatabase(Path.Combine(flowsHome, "flows.db"));
        }

        url = url.Trim();
        if (url.StartsWith("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            var at = url.IndexOf(":///", StringComparison.Ordinal);
            if (at < 0)
            {
                throw new ArgumentException($"Database URL '{url}' should look like sqlite:///path/to/flows.db.");
            }

            return new SqliteDatabase("/" + url[(at + 4)..].TrimStart('/'));
        }

        if (url.StartsWith("postgres", StringComparison.OrdinalIgnoreCase))
        {
            return new PostgresDatabase(ToNpgsql(url));
        }

        return url.Contains("Host=", StringComparison.OrdinalIgnoreCase)
            ? new PostgresDatabase(url)
            : new SqliteDatabase(url);
    }

    private static string ToNpgsql(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0 || !Uri.TryCreate("postgresql" + url[schemeEnd..], UriKind.Absolute, out var uri))
        {
            throw new ArgumentException("A PostgreSQL URL should look like postgresql://user:password@host:5432/database.");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/')),
        };
        var userInfo = uri.UserInfo.Split(':', 2);
        if (userInfo[0].Length > 0)
        {
            builder.Username = Uri.UnescapeDataString(userInfo[0]);
        }

        if (userInfo.Length > 1)
        {
            builder.Password = Uri.UnescapeDataString(userInfo[1]);
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]).Replace('_', ' ');
            builder[key] = kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : string.Empty;
        }

        return builder.ConnectionString;
    }
}
