using System.Data.Common;

namespace Flows.Server.Storage;

/// <summary>Tiny ADO.NET helpers: enough to keep SQL readable without an ORM.</summary>
internal static class DbExtensions
{
    public static DbCommand Command(this DbConnection connection, DbTransaction? transaction, string sql, IEnumerable<(string Name, object? Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    public static async Task<int> ExecuteAsync(this DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    public static async Task<T?> ScalarAsync<T>(this DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(transaction, sql, parameters);
        var value = await command.ExecuteScalarAsync().ConfigureAwait(false);
        if (value is null || value is DBNull)
        {
            return default;
        }

        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return (T)Convert.ChangeType(value, target, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Reads the first column of every row as a string (the JSON bodies).</summary>
    public static Task<List<string>> StringsAsync(this DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
        => connection.StringsAsync(transaction, sql, (IEnumerable<(string, object?)>)parameters);

    public static async Task<List<string>> StringsAsync(this DbConnection connection, DbTransaction? transaction, string sql, IEnumerable<(string Name, object? Value)> parameters)
    {
        await using var command = connection.Command(transaction, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        var result = new List<string>();
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }
}
