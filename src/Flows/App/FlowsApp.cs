using System.Reflection;
using Flows.Api.Client;
using Flows.Deployed;

namespace Flows;

/// <summary>
/// The entry point of a flows app: <c>return await FlowsApp.RunAsync(args);</c> in Program.cs runs a flow locally,
/// like <c>python hello.py</c>. See <see cref="Usage"/> for the arguments.
/// </summary>
public static class FlowsApp
{
    /// <summary>Runs the flow the arguments name and returns an exit code (<see cref="FlowsExitCodes"/>).</summary>
    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default) =>
        RunAsync(args, Console.Out, Console.Error, cancellationToken);

    /// <summary>As <see cref="RunAsync(string[], CancellationToken)"/>, writing usage and errors to the given writers.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (RunnerCommand.IsRunner(args, Environment.GetEnvironmentVariable(DeployedRunner.FlowRunIdVariable), out var flowRunId))
        {
            if (flowRunId is null)
            {
                await error.WriteLineAsync("error " + RunnerCommand.MissingFlowRunId(args)).ConfigureAwait(false);
                return FlowsExitCodes.BadInput;
            }

            return await RunDeployedAsync(flowRunId, output, error, cancellationToken).ConfigureAwait(false);
        }

        var flows = FlowCatalog.All;
        if (args is ["--help" or "-h" or "-?"])
        {
            await output.WriteLineAsync(Usage(flows)).ConfigureAwait(false);
            return FlowsExitCodes.Success;
        }

        if (args is ["--list"])
        {
            foreach (var flow in flows)
            {
                var parameters = string.Join(", ", flow.Parameters.Select(p => p.Required ? $"{p.Name}: {p.JsonType}" : $"[{p.Name}: {p.JsonType}]"));
                await output.WriteLineAsync($"{flow.Name}\t{flow.SourceFile}:{flow.Line}\t({parameters})").ConfigureAwait(false);
            }

            return FlowsExitCodes.Success;
        }

        if (args is ["--manifest"])
        {
            var manifest = Assembly.GetEntryAssembly()?.GetCustomAttribute<FlowManifestAttribute>();
            await output.WriteLineAsync(manifest?.Json ?? "{\"schema_version\":1,\"flows\":[]}").ConfigureAwait(false);
            return FlowsExitCodes.Success;
        }

        FlowRun run;
        try
        {
            var request = LocalRunRequest.Parse(args, flows);
            run = await FlowEngine.RunAsync(request.Flow, request.Parameters, new FlowRunOptions { Tags = request.Tags }, cancellationToken).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync("error " + e.Message).ConfigureAwait(false);
            return FlowsExitCodes.BadInput;
        }
        catch (FlowParameterException e)
        {
            await error.WriteLineAsync($"error FLOWS2001: {e.Message}.").ConfigureAwait(false);
            return FlowsExitCodes.BadInput;
        }

        return run.State.Type == StateType.Completed ? FlowsExitCodes.Success : FlowsExitCodes.RunFailed;
    }

    private static async Task<int> RunDeployedAsync(string flowRunId, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(flowRunId, out var id))
        {
            await error.WriteLineAsync($"error FLOWS2207: '{flowRunId}' is not a flow run id (from {DeployedRunner.FlowRunIdVariable} or 'prefect flow-run execute ID').").ConfigureAwait(false);
            return FlowsExitCodes.BadInput;
        }

        var options = PrefectClientOptions.FromEnvironment();
        if (options is null)
        {
            await error.WriteLineAsync($"error FLOWS2208: {DeployedRunner.FlowRunIdVariable} is set but {PrefectClientOptions.ApiUrlVariable} is not; the runner needs the API to read flow run {id}.").ConfigureAwait(false);
            return FlowsExitCodes.BadInput;
        }

        // The runner rides out an API outage (FLOWS_API_OUTAGE_BUDGET_SECONDS, default 5 minutes) rather than lose the run.
        using var client = new PrefectClient(options.ForLongRunningProcess());
        return await DeployedRunner.RunAsync(id, client, output, error, Environment.GetEnvironmentVariable(DeployedRunner.SigtermBehaviorVariable), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The usage text, listing this app's flows and their parameters.</summary>
    public static string Usage(IReadOnlyList<FlowDescriptor> flows)
    {
        ArgumentNullException.ThrowIfNull(flows);
        var lines = new List<string>
        {
            "Usage: <app> [FLOW] [--PARAMETER VALUE]... [--params JSON] [--param NAME=VALUE]... [--tag TAG]...",
            "       <app> --list | --manifest | --help",
            string.Empty,
            "FLOW may be left out when the app has one flow. VALUE is read as JSON unless the parameter is a string",
            "(e.g. --count 3, --items '[\"a\",\"b\"]', --name Arthur). Exit codes: 0 Completed, 1 Failed, 2 bad input.",
            string.Empty,
            "Flows:",
        };
        foreach (var flow in flows)
        {
            lines.Add($"  {flow.Name}{(flow.Description is null ? string.Empty : "  " + flow.Description)}");
            foreach (var p in flow.Parameters)
            {
                lines.Add($"    --{p.Name} <{p.JsonType}>{(p.Required ? " (required)" : string.Empty)}");
            }
        }

        return string.Join(Environment.NewLine, lines);
    }
}
