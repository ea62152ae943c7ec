using System.Data.Common;
using Npgsql;

namespace Flows.Server.Storage;

/// <summary>PostgreSQL through an Npgsql data source (pooled); state changes lock the run row with FOR UPDATE.</summary>
public sealed class PostgresDatabase : Database
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresDatabase(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Description = $"postgresql://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}";
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public override string Kind => "postgresql";

    public override string ForUpdate => " FOR UPDATE";

    public override string Description { get; }

    public override string JsonText(string column, string path)
        => $"(CAST({column} AS jsonb) #>> '{{{path.Replace('.', ',')}}}')";

    public override async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await work(connection).ConfigureAwait(false);
    }

    protected override async Task<T> ExecuteWriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var result = await work(connection, transaction).ConfigureAwait(false);
        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        return result;
    }

    protected override bool IsUniqueViolation(DbException exception)
        => exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
