using Flows.Api.Client;
using Npgsql;

namespace Flows.Server.Tests;

/// <summary>A real server on 127.0.0.1 with an ephemeral port, over one store; clients validate against the spec.</summary>
public abstract class ServerFixture : IAsyncLifetime
{
    public FlowsServerHost Host { get; private set; } = null!;

    public OpenApiValidatingHandler Handler { get; } = new();

    public PrefectClient Client { get; private set; } = null!;

    /// <summary>A plain HttpClient (with the same validation) for malformed-input tests.</summary>
    public HttpClient Http { get; private set; } = null!;

    protected abstract Task<string> PrepareDatabaseAsync();

    protected virtual Task CleanUpDatabaseAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        var url = await PrepareDatabaseAsync();
        Host = await FlowsServer.StartAsync(new FlowsServerOptions { Host = "127.0.0.1", Port = 0, DatabaseUrl = url, FlowsHome = Path.GetTempPath() });
        Client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(Host.ApiUrl.ToString()), MaxRetries = 0 }, Handler);
        Http = new HttpClient(Handler, disposeHandler: false) { BaseAddress = new Uri(Host.ApiUrl + "/") };
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        Http?.Dispose();
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        await CleanUpDatabaseAsync();
        Handler.Dispose();
    }
}

public sealed class SqliteServerFixture : ServerFixture
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "flows-server-tests-" + Guid.NewGuid().ToString("N"));

    protected override Task<string> PrepareDatabaseAsync() => Task.FromResult($"sqlite:///{_dir}/flows.db");

    protected override Task CleanUpDatabaseAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder.
        }

        return Task.CompletedTask;
    }
}

/// <summary>PostgreSQL from FLOWS_TEST_POSTGRES (default: what .ci/services.sh starts); each fixture gets its own schema.</summary>
public sealed class PostgresServerFixture : ServerFixture
{
    public const string DefaultConnectionString = "Host=127.0.0.1;Port=5432;Username=flows;Password=flows;Database=flows";

    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N")[..12];
    private string _connectionString = string.Empty;

    protected override async Task<string> PrepareDatabaseAsync()
    {
        _connectionString = Environment.GetEnvironmentVariable("FLOWS_TEST_POSTGRES") is { Length: > 0 } cs ? cs : DefaultConnectionString;
        var builder = new NpgsqlConnectionStringBuilder(_connectionString);
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE SCHEMA {_schema}", connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new InvalidOperationException(
                $"PostgreSQL not reachable at {builder.Host}:{builder.Port} as {builder.Username} ({ex.Message}): run `bash .ci/services.sh` or set FLOWS_TEST_POSTGRES.", ex);
        }

        builder.SearchPath = _schema;
        return builder.ConnectionString;
    }

    protected override async Task CleanUpDatabaseAsync()
    {
        if (_connectionString.Length == 0)
        {
            return;
        }

        try
        {
            await using var connection = new NpgsqlConnection(_connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE", connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // The server went away after the tests: nothing to clean.
        }
    }
}
