using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Npgsql;

namespace Flows.Server.Tests;

/// <summary>How keys are checked (scheme case, failed-login throttling) and what the probes say about the database.</summary>
public sealed class AuthHardeningTests
{
    [Theory]
    [InlineData("Bearer")]
    [InlineData("bearer")]
    [InlineData("BEARER")]
    public async Task The_bearer_scheme_is_case_insensitive(string scheme)
    {
        await using var host = await StartWithKeyAsync("k-right");
        using var http = new HttpClient { BaseAddress = new Uri(host.ApiUrl + "/") };
        using var request = new HttpRequestMessage(HttpMethod.Get, "version");
        request.Headers.TryAddWithoutValidation("Authorization", $"{scheme} k-right");
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Repeated_wrong_keys_are_throttled_with_retry_after_and_then_even_the_right_key_waits()
    {
        await using var host = await StartWithKeyAsync("k-right");
        using var http = new HttpClient { BaseAddress = new Uri(host.ApiUrl + "/") };
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 25; i++)
        {
            statuses.Add(await SendAsync(http, "wrong-" + i));
        }

        Assert.All(statuses.Take(20), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.All(statuses.Skip(20), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        using var request = new HttpRequestMessage(HttpMethod.Get, "version");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "k-right");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta is { } delta && delta > TimeSpan.Zero && delta <= TimeSpan.FromMinutes(1), response.Headers.RetryAfter?.ToString());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health")).StatusCode);
    }

    [Fact]
    public async Task Requests_without_a_key_are_not_counted_as_failed_logins()
    {
        await using var host = await StartWithKeyAsync("k-right");
        using var http = new HttpClient { BaseAddress = new Uri(host.ApiUrl + "/") };
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("version")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, await SendAsync(http, "k-right"));
    }

    [Fact]
    public async Task Health_and_ready_answer_503_while_the_database_is_gone_and_live_stays_200()
    {
        var connection = Environment.GetEnvironmentVariable("FLOWS_TEST_POSTGRES") is { Length: > 0 } cs ? cs : PostgresServerFixture.DefaultConnectionString;
        var target = new NpgsqlConnectionStringBuilder(connection);
        using var proxy = new TcpProxy(target.Host!, target.Port);
        var throughProxy = new NpgsqlConnectionStringBuilder(connection) { Host = "127.0.0.1", Port = proxy.Port, Pooling = false, Timeout = 3 };
        await using var host = await FlowsServer.StartAsync(new FlowsServerOptions { Port = 0, DatabaseUrl = throughProxy.ConnectionString, SchedulerInterval = TimeSpan.Zero, OrphanTimeout = TimeSpan.Zero });
        using var http = new HttpClient { BaseAddress = new Uri(host.ApiUrl + "/") };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("ready")).StatusCode);

        proxy.Stop();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("health")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("live")).StatusCode);
    }

    [Fact]
    public async Task Live_needs_no_key()
    {
        await using var host = await StartWithKeyAsync("k-right");
        using var http = new HttpClient { BaseAddress = new Uri(host.ApiUrl + "/") };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("live")).StatusCode);
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient http, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "version");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private static Task<FlowsServerHost> StartWithKeyAsync(string key)
    {
        var dir = Path.Combine(Path.GetTempPath(), "flows-auth-hardening-" + Guid.NewGuid().ToString("N"));
        return FlowsServer.StartAsync(new FlowsServerOptions { Port = 0, DatabaseUrl = $"sqlite:///{dir}/f.db", ApiKeys = [key], SchedulerInterval = TimeSpan.Zero });
    }

    /// <summary>A loopback TCP forwarder to PostgreSQL that the test can cut, as a database that dies would.</summary>
    private sealed class TcpProxy : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<TcpClient> _clients = [];
        private readonly CancellationTokenSource _stop = new();

        public TcpProxy(string host, int port)
        {
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    TcpClient inbound;
                    try
                    {
                        inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
                    }
                    catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                    {
                        return;
                    }

                    var outbound = new TcpClient();
                    await outbound.ConnectAsync(host, port);
                    lock (_clients)
                    {
                        _clients.Add(inbound);
                        _clients.Add(outbound);
                    }

                    _ = Pump(inbound.GetStream(), outbound.GetStream());
                    _ = Pump(outbound.GetStream(), inbound.GetStream());
                }
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public void Stop()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_clients)
            {
                _clients.ForEach(c => c.Dispose());
            }
        }

        public void Dispose() => Stop();

        private async Task Pump(Stream from, Stream to)
        {
            try
            {
                await from.CopyToAsync(to, _stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The proxy was cut.
            }
        }
    }
}
