using Flows.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Flows.Server;

/// <summary>A running server: its bound URL, and disposal that stops it and closes the database.</summary>
public sealed class FlowsServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    internal FlowsServerHost(WebApplication app, Database database, Uri apiUrl)
    {
        _app = app;
        Database = database;
        ApiUrl = apiUrl;
    }

    /// <summary>The API root, e.g. <c>http://127.0.0.1:4200/api</c> (the value for PREFECT_API_URL).</summary>
    public Uri ApiUrl { get; }

    /// <summary>The store in use (tests reach it to seed or inspect).</summary>
    public Database Database { get; }

    /// <summary>Completes when the server stops (Ctrl+C, SIGTERM or disposal).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await Database.DisposeAsync().ConfigureAwait(false);
    }
}
