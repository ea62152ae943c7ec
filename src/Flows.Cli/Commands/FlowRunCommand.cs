using System.CommandLine;
using System.Text.Json;
using Flows.Api.Json;
using Flows.Api.Models;
using Flows.Cli.Output;

namespace Flows.Cli.Commands;

/// <summary><c>flows-deploy flow-run ls|inspect|logs|cancel</c>.</summary>
internal sealed class FlowRunCommand : Command
{
    public FlowRunCommand(CliConsole console) : base("flow-run", "Inspect flow runs and their logs.")
    {
        Subcommands.Add(new ListCommand(console));
        Subcommands.Add(new InspectCommand(console));
        Subcommands.Add(new LogsCommand(console));
        Subcommands.Add(new CancelCommand(console));
    }

    private sealed class ListCommand : Command
    {
        private static readonly Option<int> Limit = new("--limit") { Description = "How many (newest first).", DefaultValueFactory = _ => 20 };
        private static readonly Option<string> Output = OutputOption.Create();

        public ListCommand(CliConsole console) : base("ls", "List recent flow runs.")
        {
            Options.Add(Limit);
            Options.Add(Output);
            SetAction(async (parse, cancellationToken) =>
            {
                await using var session = await ApiConnection.OpenRequiredAsync(console, cancellationToken);
                var client = session.Client;
                return await ApiCall.RunAsync(console, client, async () =>
                {
                    var runs = await client.FlowRuns.ReadFlowRunsAsync(new FlowRunFilterRequest { Sort = "EXPECTED_START_TIME_DESC", Limit = parse.GetValue(Limit) }, cancellationToken).ConfigureAwait(false);
                    if (parse.GetValue(Output) == "json")
                    {
                        await console.Out.WriteLineAsync(JsonSerializer.Serialize(runs, PrefectJson.Options)).ConfigureAwait(false);
                        return;
                    }

                    await console.Out.WriteLineAsync($"{"ID",-36} {"NAME",-24} {"STATE",-12} EXPECTED START").ConfigureAwait(false);
                    foreach (var run in runs)
                    {
                        await console.Out.WriteLineAsync($"{run.Id,-36} {run.Name,-24} {run.StateName ?? "-",-12} {run.ExpectedStartTime:u}").ConfigureAwait(false);
                    }
                }).ConfigureAwait(false);
            });
        }
    }

    private sealed class InspectCommand : Command
    {
        private static readonly Argument<Guid> Id = new("id") { Description = "The flow run's id." };

        public InspectCommand(CliConsole console) : base("inspect", "Print a flow run (JSON).")
        {
            Arguments.Add(Id);
            SetAction(async (parse, cancellationToken) =>
            {
                await using var session = await ApiConnection.OpenRequiredAsync(console, cancellationToken);
                var client = session.Client;
                return await ApiCall.RunAsync(console, client, async () =>
                {
                    var run = await client.FlowRuns.ReadFlowRunAsync(parse.GetValue(Id), cancellationToken).ConfigureAwait(false);
                    await console.Out.WriteLineAsync(JsonSerializer.Serialize(run, new JsonSerializerOptions(PrefectJson.Options) { WriteIndented = true })).ConfigureAwait(false);
                }).ConfigureAwait(false);
            });
        }
    }

    private sealed class LogsCommand : Command
    {
        private static readonly Argument<Guid> Id = new("id") { Description = "The flow run's id." };
        private static readonly Option<bool> Follow = new("--follow", "-f") { Description = "Keep printing new lines until the run ends." };

        public LogsCommand(CliConsole console) : base("logs", "Print a flow run's logs.")
        {
            Arguments.Add(Id);
            Options.Add(Follow);
            SetAction(async (parse, cancellationToken) =>
            {
                await using var session = await ApiConnection.OpenRequiredAsync(console, cancellationToken);
                var client = session.Client;
                IReadOnlyList<FlowRun> runs = [];
                var code = await ApiCall.RunAsync(console, client, async () =>
                {
                    var watcher = new FlowRunWatcher(client, console.Out);
                    if (parse.GetValue(Follow))
                    {
                        runs = await watcher.WatchAsync([parse.GetValue(Id)], showLogs: true, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await watcher.PrintLogsOnceAsync(parse.GetValue(Id), cancellationToken).ConfigureAwait(false);
                    }
                }).ConfigureAwait(false);
                return code;
            });
        }
    }

    private sealed class CancelCommand : Command
    {
        private static readonly Argument<Guid> Id = new("id") { Description = "The flow run's id." };

        public CancelCommand(CliConsole console) : base("cancel", "Cancel a flow run (its worker stops the infrastructure).")
        {
            Arguments.Add(Id);
            SetAction(async (parse, cancellationToken) =>
            {
                await using var session = await ApiConnection.OpenRequiredAsync(console, cancellationToken);
                var client = session.Client;
                return await ApiCall.RunAsync(console, client, async () =>
                {
                    var result = await client.FlowRuns.SetFlowRunStateAsync(parse.GetValue(Id), new StateCreate { Type = Api.Models.StateType.Cancelling, Name = "Cancelling" }, cancellationToken: cancellationToken).ConfigureAwait(false);
                    await console.Out.WriteLineAsync($"Cancelling: the server answered {result.Status.ToString().ToUpperInvariant()}{(result.Details.Reason is { } r ? " (" + r + ")" : string.Empty)}.").ConfigureAwait(false);
                }).ConfigureAwait(false);
            });
        }
    }
}
