using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Api.Client;
using Flows.Api.Json;
using Flows.Api.Models;
using Flows.Cli.Output;
using Flows.Deploy.Selection;

namespace Flows.Cli.Commands;

/// <summary><c>flows-deploy deployment run|ls</c>.</summary>
internal sealed class DeploymentCommand : Command
{
    public DeploymentCommand(CliConsole console) : base("deployment", "Run and list registered deployments.")
    {
        Subcommands.Add(new RunCommand(console));
        Subcommands.Add(new ListCommand(console));
        Subcommands.Add(new InspectCommand(console));
        Subcommands.Add(new DeleteCommand(console));
    }

    private sealed class RunCommand : Command
    {
        private static readonly Argument<string> NameArgument = new("name") { Description = "flow/deployment, e.g. hello/arthur." };
        private static readonly Option<string[]> Param = new("--param") { Description = "Parameter k=v (v parsed as JSON, else text). Repeatable." };
        private static readonly Option<string?> Params = new("--params") { Description = "Parameters as one JSON object; --param values win over it." };
        private static readonly Option<string[]> JobVariable = new("--job-variable") { Description = "Job variable k=v for this run. Repeatable." };
        private static readonly Option<string[]> Tag = new("--tag") { Description = "Tag added to the run. Repeatable." };
        private static readonly Option<bool> Watch = new("--watch") { Description = "Stream the run's logs and wait for its final state (exit 0 only if Completed)." };
        private static readonly Option<double?> WatchTimeout = new("--watch-timeout") { Description = "With --watch: give up after this many seconds (exit 1; the run goes on)." };
        private static readonly Option<string?> StartIn = new("--start-in") { Description = "Schedule the run this far ahead: 30s, 5m, 2h, 1d." };
        private static readonly Option<DateTimeOffset?> StartAt = new("--start-at") { Description = "Schedule the run at this time (ISO 8601, e.g. 2026-12-01T09:00:00Z)." };
        private static readonly Option<string?> RunName = new("--flow-run-name") { Description = "Name the run instead of a generated name." };
        private static readonly Option<string> Output = OutputOption.Create();

        public RunCommand(CliConsole console) : base("run", "Create a flow run of a deployment.")
        {
            Arguments.Add(NameArgument);
            foreach (var option in new Option[] { Param, Params, JobVariable, Tag, Watch, WatchTimeout, StartIn, StartAt, RunName, Output })
            {
                Options.Add(option);
            }

            SetAction(async (parse, cancellationToken) =>
            {
                var name = parse.GetValue(NameArgument)!;
                if (DeploymentKey.TryParse(name) is not { } key)
                {
                    return console.Fail(CliDiagnosticCodes.CommandLineInvalid, $"'{name}' is not flow/deployment", DeploymentKey.Fix);
                }

                DateTimeOffset? scheduledTime = parse.GetValue(StartAt);
                if (parse.GetValue(StartIn) is { } startIn)
                {
                    if (scheduledTime is not null || Duration(startIn) is not { } delay)
                    {
                        return console.Fail(CliDiagnosticCodes.CommandLineInvalid, $"--start-in '{startIn}' is not a duration like 30s, 5m, 2h or 1d (and cannot be combined with --start-at).", exitCode: ExitCodes.BadInput);
                    }

                    scheduledTime = DateTimeOffset.UtcNow + delay;
                }

                Dictionary<string, JsonElement>? parameters;
                Dictionary<string, JsonElement>? jobVariables;
                try
                {
                    parameters = KeyValues.ToElements(KeyValues.Parse("--param", parse.GetValue(Param), parse.GetValue(Params)));
                    jobVariables = KeyValues.ToElements(KeyValues.Parse("--job-variable", parse.GetValue(JobVariable), null));
                }
                catch (ArgumentException e)
                {
                    return console.Fail(CliDiagnosticCodes.KeyValueInvalid, e.Message, exitCode: ExitCodes.BadInput);
                }

                await using var session = await ApiConnection.OpenRequiredAsync(console, cancellationToken);
                var client = session.Client;
                FlowRun? run = null;
                var code = await ApiCall.RunAsync(console, client, async () =>
                {
                    var deployment = await client.Deployments.ReadDeploymentByNameAsync(key.Flow, key.Name, cancellationToken).ConfigureAwait(false);
                    run = await client.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id, new DeploymentFlowRunCreate
                    {
                        Parameters = parameters,
                        JobVariables = jobVariables,
                        Tags = parse.GetValue(Tag) is { Length: > 0 } tags ? tags : null,
                        Name = parse.GetValue(RunName),
                        State = scheduledTime is { } at
                            ? new StateCreate { Type = Api.Models.StateType.Scheduled, Name = "Scheduled", StateDetails = new StateDetails { ScheduledTime = at.ToUniversalTime() } }
                            : null,
                    }, cancellationToken).ConfigureAwait(false);
                }).ConfigureAwait(false);
                if (run is null)
                {
                    return code;
                }

                var json = parse.GetValue(Output) == "json";
                if (!json)
                {
                    await console.Out.WriteLineAsync($"Created flow run '{run.Name}' ({run.Id}) of {name}. See it at {UiLinks.FlowRun(ApiConnection.UiUrl(client, console), run.Id)}").ConfigureAwait(false);
                }

                if (!parse.GetValue(Watch))
                {
                    if (json)
                    {
                        await console.Out.WriteLineAsync(JsonSerializer.Serialize(run, PrefectJson.Options)).ConfigureAwait(false);
                    }

                    return ExitCodes.Ok;
                }

                using var watchLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                if (parse.GetValue(WatchTimeout) is { } seconds)
                {
                    watchLimit.CancelAfter(TimeSpan.FromSeconds(seconds));
                }

                IReadOnlyList<FlowRun> finished;
                try
                {
                    finished = await new FlowRunWatcher(client, json ? TextWriter.Null : console.Out).WatchAsync([run.Id], showLogs: true, watchLimit.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return console.Fail(CliDiagnosticCodes.WatchTimedOut, $"flow run '{run.Name}' was not final after {parse.GetValue(WatchTimeout)}s; it goes on (flows-deploy flow-run logs {run.Id} -f).", exitCode: ExitCodes.Failure);
                }
                if (json)
                {
                    await console.Out.WriteLineAsync(JsonSerializer.Serialize(finished[0], PrefectJson.Options)).ConfigureAwait(false);
                }

                return finished[0].StateType == Api.Models.StateType.Completed ? ExitCodes.Ok : ExitCodes.Failure;
            });
        }
    }

    /// <summary>30s, 5m, 2h, 1d (or a plain number of seconds).</summary>
    internal static TimeSpan? Duration(string text)
    {
        text = text.Trim();
        var unit = text.Length > 0 && char.IsLetter(text[^1]) ? text[^1] : 's';
        var number = char.IsLetter(text.Length > 0 ? text[^1] : ' ') ? text[..^1] : text;
        if (!double.TryParse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            return null;
        }

        return unit switch
        {
            's' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMinutes(value),
            'h' => TimeSpan.FromHours(value),
            'd' => TimeSpan.FromDays(value),
            _ => null,
        };
    }

    /// <summary>Reads the deployment named <c>flow/deployment</c> and acts on it; a bad name or an API error is the command's failure.</summary>
    private static async Task<int> WithDeploymentAsync(CliConsole console, string name, Func<PrefectClient, DeploymentResponse, Task> action, CancellationToken cancellationToken)
    {
        if (DeploymentKey.TryParse(name) is not { } key)
        {
            return console.Fail(CliDiagnosticCodes.CommandLineInvalid, $"'{name}' is not flow/deployment", DeploymentKey.Fix);
        }

        await using var session = await ApiConnection.OpenRequiredAsync(console, cancellationToken).ConfigureAwait(false);
        var client = session.Client;
        return await ApiCall.RunAsync(console, client, async () =>
        {
            var deployment = await client.Deployments.ReadDeploymentByNameAsync(key.Flow, key.Name, cancellationToken).ConfigureAwait(false);
            await action(client, deployment).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    private sealed class InspectCommand : Command
    {
        private static readonly Argument<string> NameArgument = new("name") { Description = "flow/deployment." };

        public InspectCommand(CliConsole console) : base("inspect", "Print a deployment (JSON).")
        {
            Arguments.Add(NameArgument);
            SetAction((parse, cancellationToken) => WithDeploymentAsync(console, parse.GetValue(NameArgument)!, (_, deployment) =>
                console.Out.WriteLineAsync(JsonSerializer.Serialize(deployment, new JsonSerializerOptions(PrefectJson.Options) { WriteIndented = true })), cancellationToken));
        }
    }

    private sealed class DeleteCommand : Command
    {
        private static readonly Argument<string> NameArgument = new("name") { Description = "flow/deployment." };

        public DeleteCommand(CliConsole console) : base("delete", "Delete a deployment (its flow runs stay).")
        {
            Arguments.Add(NameArgument);
            SetAction((parse, cancellationToken) => WithDeploymentAsync(console, parse.GetValue(NameArgument)!, async (client, deployment) =>
            {
                await client.Deployments.DeleteDeploymentAsync(deployment.Id, cancellationToken).ConfigureAwait(false);
                await console.Out.WriteLineAsync($"Deleted deployment {parse.GetValue(NameArgument)}.").ConfigureAwait(false);
            }, cancellationToken));
        }
    }

    private sealed class ListCommand : Command
    {
        private static readonly Option<string> Output = OutputOption.Create();

        public ListCommand(CliConsole console) : base("ls", "List deployments.")
        {
            Options.Add(Output);
            SetAction(async (parse, cancellationToken) =>
            {
                await using var session = await ApiConnection.OpenRequiredAsync(console, cancellationToken);
                var client = session.Client;
                return await ApiCall.RunAsync(console, client, async () =>
                {
                    var deployments = await client.Deployments.ReadDeploymentsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                    if (parse.GetValue(Output) == "json")
                    {
                        await console.Out.WriteLineAsync(JsonSerializer.Serialize(deployments, PrefectJson.Options)).ConfigureAwait(false);
                        return;
                    }

                    var flows = new Dictionary<Guid, string>();
                    await console.Out.WriteLineAsync($"{"NAME",-40} {"WORK POOL",-20} ID").ConfigureAwait(false);
                    foreach (var d in deployments)
                    {
                        if (!flows.TryGetValue(d.FlowId, out var flow))
                        {
                            flow = flows[d.FlowId] = (await client.Flows.ReadFlowAsync(d.FlowId, cancellationToken).ConfigureAwait(false)).Name;
                        }

                        await console.Out.WriteLineAsync($"{flow + "/" + d.Name,-40} {d.WorkPoolName ?? "-",-20} {d.Id}").ConfigureAwait(false);
                    }
                }).ConfigureAwait(false);
            });
        }
    }
}
