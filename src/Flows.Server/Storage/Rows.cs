using System.Data.Common;
using System.Text.Json;
using Flows.Api.Json;

namespace Flows.Server.Storage;

/// <summary>Reads and writes the JSON <c>body</c> column of a row.</summary>
internal static class Rows
{
    public static string Json<T>(T value) => JsonSerializer.Serialize(value, PrefectJson.Options);

    public static T Parse<T>(string body) => JsonSerializer.Deserialize<T>(body, PrefectJson.Options)!;

    public static string Time(DateTimeOffset value) => UtcDateTimeOffsetConverter.ToText(value);

    public static string? Time(DateTimeOffset? value) => value is { } v ? Time(v) : null;

    /// <summary>Tags as "|a|b|" so SQL LIKE '%|a|%' matches one tag exactly on both databases.</summary>
    public static string Tags(IEnumerable<string>? tags) => "|" + string.Concat((tags ?? []).Select(t => t + "|"));

    public static async Task<T?> OneAsync<T>(DbConnection connection, DbTransaction? transaction, string sql, params (string, object?)[] parameters)
        where T : class
    {
        var rows = await connection.StringsAsync(transaction, sql, parameters).ConfigureAwait(false);
        return rows.Count == 0 ? null : Parse<T>(rows[0]);
    }

    public static async Task<List<T>> ManyAsync<T>(DbConnection connection, DbTransaction? transaction, string sql, IEnumerable<(string, object?)> parameters)
        => (await connection.StringsAsync(transaction, sql, parameters).ConfigureAwait(false)).Select(Parse<T>).ToList();
}
