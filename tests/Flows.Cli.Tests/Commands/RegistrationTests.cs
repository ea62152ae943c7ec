using System.Net;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Deploy.Planning;
using Flows.Deploy.Registration;
using Flows.Server;

using Flows.Testing;

namespace Flows.Cli.Tests.Commands;

/// <summary>All-or-nothing registration against the real embedded server: a deployment the server refuses undoes the
/// ones written before it in the same deploy.</summary>
public sealed class RegistrationTests : IAsyncLifetime
{
    private TestServer _server = null!;

    private PrefectClient Client => _server.Client;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync("flows-cli-register");
        await Client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = "kubernetes", Type = "kubernetes" });
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static PlannedDeployment Planned(string name, string pool, string description) =>
        new("hello", new DeploymentCreate { Name = name, FlowId = Guid.Empty, WorkPoolName = pool, Description = description, Entrypoint = "HelloFlows.cs:hello", Tags = ["eks"] });

    [Fact]
    public async Task A_refused_deployment_deletes_the_new_ones_and_restores_the_replaced_ones()
    {
        var registrar = new PrefectDeploymentRegistrar(Client);
        var first = await registrar.RegisterAsync(new DeploymentPlan([], [Planned("kept", "kubernetes", "old")], []));
        var before = await Client.Deployments.ReadDeploymentByNameAsync("hello", "kept");

        var plan = new DeploymentPlan([], [Planned("fresh", "kubernetes", "new"), Planned("kept", "kubernetes", "new"), Planned("broken", "no-such-pool", "new")], []);
        var e = await Assert.ThrowsAsync<DeploymentRegistrationException>(() => registrar.RegisterAsync(plan));

        Assert.Equal("hello/broken", e.Deployment);
        Assert.Contains("no-such-pool", e.Message, StringComparison.Ordinal);
        Assert.Equal(["hello/kept: restored to what it was", "hello/fresh: new, deleted again"], e.Undone);
        var missing = await Assert.ThrowsAsync<PrefectApiException>(() => Client.Deployments.ReadDeploymentByNameAsync("hello", "fresh"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var kept = await Client.Deployments.ReadDeploymentByNameAsync("hello", "kept");
        Assert.Equal(first[0], kept.Id);
        Assert.Equal("old", kept.Description);
        Assert.Equal(before.Tags, kept.Tags);
        Assert.Equal(before.WorkPoolName, kept.WorkPoolName);
        Assert.Single(await Client.Deployments.ReadDeploymentsAsync());
    }
}
