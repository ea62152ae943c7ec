using Flows.Api.Client;
using Flows.Workers.Docker;
using Flows.Workers.Kubernetes;
using Flows.Workers.Process;

namespace Flows.Workers;

/// <summary>The entry point behind <c>flows-deploy worker start</c>: picks the infrastructure and runs a worker.</summary>
public static class WorkerHost
{
    /// <summary>The infrastructures this build ships, by work pool type.</summary>
    public static IFlowRunInfrastructure? CreateInfrastructure(string type, TextWriter output) => type switch
    {
        "process" => new ProcessInfrastructure(output),
        "docker" => DockerInfrastructure.Create(output),
        "kubernetes" => new KubernetesInfrastructure(output),
        _ => null,
    };

    /// <summary>Runs a worker until cancelled; returns an exit code (0 after a clean shutdown, 1 when the infrastructure is not ready, 2 for bad input).</summary>
    public static async Task<int> RunAsync(PrefectClient client, WorkerOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string type;
        try
        {
            type = options.Type ?? (await FlowWorker.ReadPoolWhenReachableAsync(client, options.WorkPool, line => error.WriteLine(line), cancellationToken).ConfigureAwait(false)).Type;
        }
        catch (PrefectApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            await error.WriteLineAsync($"error {WorkerDiagnosticCodes.NoSuchWorkPool}: work pool '{options.WorkPool}' does not exist at {client.Options.ApiUrl}. Fix: flows-deploy work-pool create {options.WorkPool} --type process").ConfigureAwait(false);
            return 2;
        }

        var infrastructure = CreateInfrastructure(type, output);
        if (infrastructure is null)
        {
            await error.WriteLineAsync($"error {WorkerDiagnosticCodes.NoInfrastructure}: no '{type}' worker in this build yet (available: process, docker, kubernetes).").ConfigureAwait(false);
            return 2;
        }

        if (infrastructure is IInfrastructurePreflight preflight && await preflight.CheckAsync(cancellationToken).ConfigureAwait(false) is { } problem)
        {
            await error.WriteLineAsync($"error {problem}").ConfigureAwait(false);
            return 1;
        }

        try
        {
            // The worker rides out API outages (FLOWS_API_OUTAGE_BUDGET_SECONDS, default 5 minutes) on every call.
            using var worker = new PrefectClient(client.Options.ForLongRunningProcess());
            await new FlowWorker(worker, options, infrastructure, output).RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (PrefectApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            await error.WriteLineAsync($"error {WorkerDiagnosticCodes.NoSuchWorkPool}: work pool '{options.WorkPool}' does not exist at {client.Options.ApiUrl}. Fix: flows-deploy work-pool create {options.WorkPool} --type {type}").ConfigureAwait(false);
            return 2;
        }
    }
}
