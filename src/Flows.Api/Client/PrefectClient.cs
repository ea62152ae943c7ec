using Microsoft.Extensions.Logging;

namespace Flows.Api.Client;

/// <summary>
/// Typed client for the Prefect v3 REST subset, one property per resource (Docker.DotNet style):
/// <c>client.Deployments.CreateFlowRunFromDeploymentAsync(id)</c>. Works against this project's server,
/// a self-hosted Prefect server and Prefect Cloud.
/// </summary>
public sealed class PrefectClient : IDisposable
{
    private readonly HttpClient _http;

    /// <summary>Creates a client; pass a handler to control the transport (tests, proxies).</summary>
    public PrefectClient(PrefectClientOptions options, HttpMessageHandler? handler = null, ILogger<PrefectClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        // Per-attempt timeouts are enforced by the transport; the HttpClient's own would cut retries short.
        _http = handler is null
            ? new HttpClient { Timeout = Timeout.InfiniteTimeSpan }
            : new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var transport = new PrefectTransport(_http, options, logger);
        Admin = new AdminOperations(transport);
        Flows = new FlowOperations(transport);
        Deployments = new DeploymentOperations(transport);
        FlowRuns = new FlowRunOperations(transport);
        WorkPools = new WorkPoolOperations(transport);
        Logs = new LogOperations(transport);
        Variables = new VariableOperations(transport);
        Events = new EventOperations(transport);
    }

    /// <summary>Creates a client from <c>PREFECT_API_URL</c>/<c>PREFECT_API_KEY</c>; throws when the URL is unset.</summary>
    public static PrefectClient FromEnvironment(ILogger<PrefectClient>? logger = null)
        => new(PrefectClientOptions.FromEnvironment()
               ?? throw new InvalidOperationException($"{PrefectClientOptions.ApiUrlVariable} is not set."), logger: logger);

    /// <summary>The options this client uses.</summary>
    public PrefectClientOptions Options { get; }

    public IAdminOperations Admin { get; }
    public IFlowOperations Flows { get; }
    public IDeploymentOperations Deployments { get; }
    public IFlowRunOperations FlowRuns { get; }
    public IWorkPoolOperations WorkPools { get; }
    public ILogOperations Logs { get; }
    public IVariableOperations Variables { get; }
    public IEventOperations Events { get; }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
