using Flows.Api.Client;
using Flows.Server;

namespace Flows.Testing;

/// <summary>The real embedded server on SQLite in a temporary home, on a free loopback port, with a client to it.
/// Shared by the test projects that need one (linked from tests/Shared).</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private TestServer(string home, FlowsServerHost host)
    {
        Home = home;
        Host = host;
        Client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(host.ApiUrl.ToString()) });
    }

    public string Home { get; }

    public FlowsServerHost Host { get; }

    public PrefectClient Client { get; }

    /// <summary>The value for PREFECT_API_URL.</summary>
    public string ApiUrl => Host.ApiUrl.ToString();

    public static async Task<TestServer> StartAsync(string prefix)
    {
        var home = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(home);
        var host = await FlowsServer.StartAsync(new FlowsServerOptions { Host = "127.0.0.1", Port = 0, DatabaseUrl = $"sqlite:///{home}/flows.db", FlowsHome = home });
        return new TestServer(home, host);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Home, recursive: true);
    }
}
