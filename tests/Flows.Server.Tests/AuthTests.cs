using System.Net;
using Flows.Api.Client;

namespace Flows.Server.Tests;

public class AuthTests
{
    [Fact]
    public async Task With_keys_the_api_needs_a_bearer_key_but_health_does_not()
    {
        var dir = Path.Combine(Path.GetTempPath(), "flows-auth-" + Guid.NewGuid().ToString("N"));
        await using var host = await FlowsServer.StartAsync(new FlowsServerOptions { Port = 0, DatabaseUrl = $"sqlite:///{dir}/f.db", ApiKeys = ["k1", "k2"], SchedulerInterval = TimeSpan.Zero });
        using var anonymous = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(host.ApiUrl.ToString()), MaxRetries = 0 });
        using var wrong = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(host.ApiUrl.ToString()), ApiKey = "nope", MaxRetries = 0 });
        using var right = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(host.ApiUrl.ToString()), ApiKey = "k2", MaxRetries = 0 });
        Assert.True(await anonymous.Admin.ReadHealthAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<PrefectApiException>(() => anonymous.Admin.ReadVersionAsync())).StatusCode);
        var denied = await Assert.ThrowsAsync<PrefectApiException>(() => wrong.Flows.ReadFlowsAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.DoesNotContain("nope", denied.ToString());
        Assert.Empty(await right.Flows.ReadFlowsAsync());
    }

    [Fact]
    public async Task Refuses_a_non_loopback_bind_without_keys_unless_allowed()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => FlowsServer.StartAsync(new FlowsServerOptions { Host = "0.0.0.0", Port = 0 }));
        Assert.Contains("--allow-unauthenticated", ex.Message);
        new FlowsServerOptions { Host = "0.0.0.0", AllowUnauthenticated = true }.Validate();
        new FlowsServerOptions { Host = "0.0.0.0", ApiKeys = ["k"] }.Validate();
    }

    [Fact]
    public async Task A_postgres_url_that_cannot_connect_fails_start_with_the_cause()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => FlowsServer.StartAsync(new FlowsServerOptions
        {
            Port = 0, DatabaseUrl = "postgresql://nobody:secret@127.0.0.1:1/flows", SchedulerInterval = TimeSpan.Zero,
        }));
        Assert.DoesNotContain("secret", ex.Message);
    }
}
