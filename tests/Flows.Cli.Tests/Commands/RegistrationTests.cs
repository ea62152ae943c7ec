using System.Net;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Deploy.Planning;
using Flows.Deploy.Registration;
using Flows.Server;

namespace Flows.Cli.Tests.Commands;

/// <summary>All-or-nothing registration against the real embedded server: a deployment the server refuses undoes the
/// ones written before it in the same deploy.</summary>
public sealed class RegistrationTests : IAsyncLifetime
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "flows-cli-register-" + Guid.NewGuid().ToString("N"));
    private FlowsServerHost _server = null!;
    private PrefectClient _client = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_home);
        _server = await FlowsServer.StartAsync(new FlowsServerOptions { Host = "127.0.0.1", Port = 0, DatabaseUrl = $"sqlite:///{_home}/flows.db", FlowsHome = _home });
        _client = new PrefectClient(new PrefectClientOptions { ApiUrl = PrefectApiUrl.Parse(_server.ApiUrl.ToString()) });
        await _client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = "kubernetes", Type = "kubernetes" });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_home, recursive: true);
    }

    private static PlannedDeployment Planned(string name, string pool, string description) =>
        new("hello", new DeploymentCreate { Name = name, FlowId = Guid.Empty, WorkPoolName = pool, Description = description, Entrypoint = "HelloFlows.cs:hello", Tags = ["eks"] });

    [Fact]
    public async Task A_refused_deployment_deletes_the_new_ones_and_restores_the_replaced_ones()
    {
        var registrar = new PrefectDeploymentRegistrar(_client);
        var first = await registrar.RegisterAsync(new DeploymentPlan([], [Planned("kept", "kubernetes", "old")], []));
        var before = await _client.Deployments.ReadDeploymentByNameAsync("hello", "kept");

        var plan = new DeploymentPlan([], [Planned("fresh", "kubernetes", "new"), Planned("kept", "kubernetes", "new"), Planned("broken", "no-such-pool", "new")], []);
        var e = await Assert.ThrowsAsync<DeploymentRegistrationException>(() => registrar.RegisterAsync(plan));

        Assert.Equal("hello/broken", e.Deployment);
        Assert.Contains("no-such-pool", e.Message, StringComparison.Ordinal);
        Assert.Equal(["hello/kept: restored to what it was", "hello/fresh: new, deleted again"], e.Undone);
        var missing = await Assert.ThrowsAsync<PrefectApiException>(() => _client.Deployments.ReadDeploymentByNameAsync("hello", "fresh"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var kept = await _client.Deployments.ReadDeploymentByNameAsync("hello", "kept");
        Assert.Equal(first[0], kept.Id);
        Assert.Equal("old", kept.Description);
        Assert.Equal(before.Tags, kept.Tags);
        Assert.Equal(before.WorkPoolName, kept.WorkPoolName);
        Assert.Single(await _client.Deployments.ReadDeploymentsAsync());
    }
}
