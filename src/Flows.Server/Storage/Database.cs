using System.Data.Common;

namespace Flows.Server.Storage;

/// <summary>
/// The storage seam: SQLite and PostgreSQL run the same SQL (plain types, <c>@name</c> parameters,
/// timestamps as fixed-width UTC text so text order is time order). Writes run in a transaction and are
/// retried when a unique constraint loses a race (a concurrent upsert), so the retry sees the winner's row.
/// </summary>
public abstract class Database : IAsyncDisposable
{
    private const int MaxUniqueRetries = 3;

    /// <summary>"sqlite" or "postgresql".</summary>
    public abstract string Kind { get; }

    /// <summary>Row-lock suffix for a SELECT inside a write (SQLite serializes writers instead).</summary>
    public abstract string ForUpdate { get; }

    /// <summary>
    /// SQL text of a value inside a JSON <c>body</c> column (<paramref name="path"/> dotted, e.g. <c>created_by.id</c>), as text:
    /// strings as themselves, numbers and booleans as their JSON text, JSON null or absent as SQL NULL. Filters on fields that
    /// have no column of their own read them this way.
    /// </summary>
    public abstract string JsonText(string column, string path);

    /// <summary>Where the data lives, without credentials (for logs and the startup line).</summary>
    public abstract string Description { get; }

    /// <summary>Runs a read on a connection of its own.</summary>
    public abstract Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="work"/> in a transaction and commits it.</summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ExecuteWriteAsync(work, cancellationToken).ConfigureAwait(false);
            }
            catch (DbException ex) when (attempt < MaxUniqueRetries && IsUniqueViolation(ex))
            {
                // Another request inserted the same key first; run again and find its row.
            }
        }
    }

    /// <summary>Creates or upgrades the schema.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await WriteAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(transaction, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)").ConfigureAwait(false);
            var current = await connection.ScalarAsync<long?>(transaction, "SELECT MAX(version) FROM schema_version").ConfigureAwait(false) ?? 0;
            foreach (var migration in Migrations.All.Where(m => m.Version > current))
            {
                foreach (var statement in migration.Statements)
                {
                    await connection.ExecuteAsync(transaction, statement).ConfigureAwait(false);
                }

                await connection.ExecuteAsync(transaction, "INSERT INTO schema_version (version) VALUES (@v)", ("v", migration.Version)).ConfigureAwait(false);
            }

            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The transaction itself; implementations decide locking.</summary>
    protected abstract Task<T> ExecuteWriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>True when <paramref name="exception"/> is a unique-constraint violation.</summary>
    protected abstract bool IsUniqueViolation(DbException exception);

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();
}
