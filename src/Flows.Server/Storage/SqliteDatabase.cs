using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Flows.Server.Storage;

/// <summary>
/// SQLite in WAL mode. One writer connection behind a semaphore (SQLite allows one writer anyway, and
/// queueing in-process avoids SQLITE_BUSY); readers use pooled connections, which WAL lets run beside
/// the writer. synchronous=NORMAL: a commit survives a killed server process (it is in the WAL file);
/// only an OS crash or power loss may drop the last commits.
/// </summary>
public sealed class SqliteDatabase : Database
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly SqliteConnection _writer;

    public SqliteDatabase(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        Description = $"sqlite:///{Path.GetFullPath(path)}";
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
        _writer = new SqliteConnection(_connectionString);
        _writer.Open();
        using var pragma = _writer.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";
        pragma.ExecuteNonQuery();
    }

    public override string Kind => "sqlite";

    public override string ForUpdate => string.Empty;

    public override string Description { get; }

    // json_extract answers 1/0 for JSON booleans; the CASE keeps the text 'true'/'false' PostgreSQL answers.
    public override string JsonText(string column, string path)
        => $"(CASE json_type({column}, '$.{path}') WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(json_extract({column}, '$.{path}') AS TEXT) END)";

    public override async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await work(connection).ConfigureAwait(false);
    }

    protected override async Task<T> ExecuteWriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var transaction = _writer.BeginTransaction();
            var result = await work(_writer, transaction).ConfigureAwait(false);
            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            return result;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    protected override bool IsUniqueViolation(DbException exception)
        => exception is SqliteException { SqliteErrorCode: 19 };

    public override async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync().ConfigureAwait(false);
        _writeGate.Dispose();
    }
}
