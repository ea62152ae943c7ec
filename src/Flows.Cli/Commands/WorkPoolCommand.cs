using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Api.Client;
using Flows.Api.Json;
using Flows.Api.Models;
using Flows.Server.WorkPools;

namespace Flows.Cli.Commands;

/// <summary><c>flows-deploy work-pool create|ls|inspect|delete</c>.</summary>
internal sealed class WorkPoolCommand : Command
{
    public WorkPoolCommand(CliConsole console) : base("work-pool", "Create and inspect work pools.")
    {
        Subcommands.Add(new CreateCommand(console));
        Subcommands.Add(new ListCommand(console));
        Subcommands.Add(new InspectCommand(console));
        Subcommands.Add(new UpdateCommand(console));
        Subcommands.Add(new DeleteCommand(console));
    }

    private sealed class CreateCommand : Command
    {
        private static readonly Argument<string> NameArgument = new("name") { Description = "The work pool's name." };
        private static readonly Option<string> Type = new("--type") { Description = "process, docker or kubernetes.", DefaultValueFactory = _ => "process" };
        private static readonly Option<string[]> Set = new("--set") { Description = "Default of a job variable in the base job template, k=v (v parsed as JSON, else text), e.g. --set namespace=prefect --set finished_job_ttl=60. Repeatable." };
        private static readonly Option<string?> Template = new("--base-job-template") { Description = "A base job template JSON file instead of the type's default." };
        private static readonly Option<bool> Overwrite = new("--overwrite") { Description = "Update the pool's template when it exists." };
        private static readonly Option<string?> Namespace = new("--namespace") { Description = "kubernetes: the namespace Jobs run in (= --set namespace=…)." };
        private static readonly Option<int?> FinishedJobTtl = new("--finished-job-ttl") { Description = "kubernetes: seconds a finished Job is kept (= --set finished_job_ttl=…)." };
        private static readonly Option<int?> PodWatchTimeout = new("--pod-watch-timeout") { Description = "kubernetes: seconds a pod may take to start (= --set pod_watch_timeout_seconds=…)." };
        private static readonly Option<string?> Image = new("--image") { Description = "docker/kubernetes: default image (usually left blank and set per deployment)." };

        public CreateCommand(CliConsole console) : base("create", "Create a work pool (the seed's: --type kubernetes --set finished_job_ttl=60 --set pod_watch_timeout_seconds=300 --set namespace=prefect).")
        {
            Arguments.Add(NameArgument);
            Options.Add(Type);
            Options.Add(Set);
            Options.Add(Template);
            Options.Add(Overwrite);
            Options.Add(Namespace);
            Options.Add(FinishedJobTtl);
            Options.Add(PodWatchTimeout);
            Options.Add(Image);
            Type.AcceptOnlyFromAmong("process", "docker", "kubernetes");
            SetAction(async (parse, cancellationToken) =>
            {
                var name = parse.GetValue(NameArgument)!;
                var type = parse.GetValue(Type)!;
                JsonObject template;
                try
                {
                    template = parse.GetValue(Template) is { } file
                        ? JsonNode.Parse(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false))!.AsObject()
                        : JsonNode.Parse(BaseJobTemplates.ForType(type)!.Value.GetRawText())!.AsObject();
                    // The seed's UI fields, as flags; each is the same as its --set.
                    var named = new List<string>();
                    if (parse.GetValue(Namespace) is { } ns)
                    {
                        named.Add("namespace=" + ns);
                    }

                    if (parse.GetValue(FinishedJobTtl) is { } ttl)
                    {
                        named.Add("finished_job_ttl=" + ttl.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }

                    if (parse.GetValue(PodWatchTimeout) is { } timeout)
                    {
                        named.Add("pod_watch_timeout_seconds=" + timeout.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }

                    if (parse.GetValue(Image) is { } image)
                    {
                        named.Add("image=" + JsonSerializer.Serialize(image));
                    }

                    foreach (var pair in named.Concat(parse.GetValue(Set) ?? []))
                    {
                        SetDefault(template, pair);
                    }
                }
                catch (Exception e) when (e is JsonException or IOException or ArgumentException or InvalidOperationException)
                {
                    return console.Fail(CliDiagnosticCodes.KeyValueInvalid, e.Message, exitCode: ExitCodes.BadInput);
                }

                await using var session = await ApiConnection.OpenRequiredAsync(console, cancellationToken);
                var client = session.Client;
                var body = JsonSerializer.SerializeToElement(template, PrefectJson.Options);
                try
                {
                    var pool = await client.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = name, Type = type, BaseJobTemplate = body }, cancellationToken).ConfigureAwait(false);
                    await console.Out.WriteLineAsync($"Created work pool '{pool.Name}' ({pool.Type}).").ConfigureAwait(false);
                    return ExitCodes.Ok;
                }
                catch (PrefectApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Conflict)
                {
                    if (!parse.GetValue(Overwrite))
                    {
                        await console.Out.WriteLineAsync($"Work pool '{name}' already exists (use --overwrite to update its template).").ConfigureAwait(false);
                        return ExitCodes.Ok;
                    }

                    await client.WorkPools.UpdateWorkPoolAsync(name, new WorkPoolUpdate { BaseJobTemplate = body }, cancellationToken).ConfigureAwait(false);
                    await console.Out.WriteLineAsync($"Updated work pool '{name}'.").ConfigureAwait(false);
                    return ExitCodes.Ok;
                }
                catch (Exception e) when (e is PrefectApiException or HttpRequestException)
                {
                    return console.Fail(CliDiagnosticCodes.ServerError, $"creating work pool '{name}' at {client.Options.ApiUrl} failed: {e.Message}", exitCode: ExitCodes.Failure);
                }
            });
        }

        internal static void SetDefault(JsonObject template, string pair)
        {
            var (key, text) = KeyValues.Split("--set", pair);
            var properties = template["variables"]?["properties"] as JsonObject
                ?? throw new InvalidOperationException("the base job template has no variables.properties.");
            if (properties[key] is not JsonObject property)
            {
                throw new ArgumentException($"--set {key}: the template has no variable '{key}'; it has: {string.Join(", ", properties.Select(p => p.Key))}");
            }

            property["default"] = KeyValues.Value(text);
        }
    }

    private sealed class ListCommand : Command
    {
        private static readonly Option<string> Output = OutputOption.Create();

        public ListCommand(CliConsole console) : base("ls", "List work pools with their status.")
        {
            Options.Add(Output);
            SetAction(async (parse, cancellationToken) =>
            {
                await using var session = await ApiConnection.OpenRequiredAsync(console, cancellationToken);
                var client = session.Client;
                return await ApiCall.RunAsync(console, client, async () =>
                {
                    var pools = await client.WorkPools.ReadWorkPoolsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                    if (parse.GetValue(Output) == "json")
                    {
                        await console.Out.WriteLineAsync(JsonSerializer.Serialize(pools, PrefectJson.Options)).ConfigureAwait(false);
                        return;
                    }

                    await console.Out.WriteLineAsync($"{"NAME",-30} {"TYPE",-12} {"STATUS",-10} CONCURRENCY").ConfigureAwait(false);
                    foreach (var pool in pools)
                    {
                        await console.Out.WriteLineAsync($"{pool.Name,-30} {pool.Type,-12} {pool.Status?.ToString() ?? "-",-10} {pool.ConcurrencyLimit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}").ConfigureAwait(false);
                    }
                }).ConfigureAwait(false);
            });
        }
    }

    private sealed class InspectCommand : Command
    {
        private static readonly Argument<string> NameArgument = new("name") { Description = "The work pool's name." };

        public InspectCommand(CliConsole console) : base("inspect", "Print a work pool (JSON), with its workers.")
        {
            Arguments.Add(NameArgument);
            SetAction(async (parse, cancellationToken) =>
            {
                await using var session = await ApiConnection.OpenRequiredAsync(console, cancellationToken);
                var client = session.Client;
                return await ApiCall.RunAsync(console, client, async () =>
                {
                    var pool = await client.WorkPools.ReadWorkPoolAsync(parse.GetValue(NameArgument)!, cancellationToken).ConfigureAwait(false);
                    var workers = await client.WorkPools.ReadWorkersAsync(pool.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                    var result = JsonSerializer.SerializeToNode(pool, PrefectJson.Options)!.AsObject();
                    result["workers"] = JsonSerializer.SerializeToNode(workers, PrefectJson.Options);
                    await console.Out.WriteLineAsync(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true })).ConfigureAwait(false);
                }).ConfigureAwait(false);
            });
        }
    }

    private sealed class UpdateCommand : Command
    {
        private static readonly Argument<string> NameArgument = new("name") { Description = "The work pool's name." };
        private static readonly Option<string[]> Set = new("--set") { Description = "Default of a job variable, k=v (v parsed as JSON, else text). Repeatable." };
        private static readonly Option<int?> ConcurrencyLimit = new("--concurrency-limit") { Description = "At most this many runs of the pool at once." };
        private static readonly Option<bool> Pause = new("--pause") { Description = "Stop workers from taking new runs." };
        private static readonly Option<bool> Resume = new("--resume") { Description = "Let workers take runs again." };

        public UpdateCommand(CliConsole console) : base("update", "Change a work pool: job variable defaults, concurrency limit, paused.")
        {
            Arguments.Add(NameArgument);
            foreach (var option in new Option[] { Set, ConcurrencyLimit, Pause, Resume })
            {
                Options.Add(option);
            }

            SetAction(async (parse, cancellationToken) =>
            {
                if (parse.GetValue(Pause) && parse.GetValue(Resume))
                {
                    return console.Fail(CliDiagnosticCodes.CommandLineInvalid, "--pause and --resume contradict each other.", exitCode: ExitCodes.BadInput);
                }

                var name = parse.GetValue(NameArgument)!;
                await using var session = await ApiConnection.OpenRequiredAsync(console, cancellationToken);
                var client = session.Client;
                WorkPool pool;
                try
                {
                    pool = await client.WorkPools.ReadWorkPoolAsync(name, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is PrefectApiException or HttpRequestException)
                {
                    return await ApiCall.RunAsync(console, client, () => Task.FromException(e)).ConfigureAwait(false);
                }

                JsonElement? template = null;
                if (parse.GetValue(Set) is { Length: > 0 } pairs)
                {
                    var body = pool.BaseJobTemplate is { } t ? JsonNode.Parse(t.GetRawText())!.AsObject() : [];
                    try
                    {
                        foreach (var pair in pairs)
                        {
                            CreateCommand.SetDefault(body, pair);
                        }
                    }
                    catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                    {
                        return console.Fail(CliDiagnosticCodes.KeyValueInvalid, e.Message, exitCode: ExitCodes.BadInput);
                    }

                    template = JsonSerializer.SerializeToElement(body, PrefectJson.Options);
                }

                var update = new WorkPoolUpdate
                {
                    BaseJobTemplate = template,
                    ConcurrencyLimit = parse.GetValue(ConcurrencyLimit),
                    IsPaused = parse.GetValue(Pause) ? true : parse.GetValue(Resume) ? false : null,
                };
                return await ApiCall.RunAsync(console, client, async () =>
                {
                    await client.WorkPools.UpdateWorkPoolAsync(name, update, cancellationToken).ConfigureAwait(false);
                    await console.Out.WriteLineAsync($"Updated work pool '{name}'.").ConfigureAwait(false);
                }).ConfigureAwait(false);
            });
        }
    }

    private sealed class DeleteCommand : Command
    {
        private static readonly Argument<string> NameArgument = new("name") { Description = "The work pool's name." };

        public DeleteCommand(CliConsole console) : base("delete", "Delete a work pool.")
        {
            Arguments.Add(NameArgument);
            SetAction(async (parse, cancellationToken) =>
            {
                await using var session = await ApiConnection.OpenRequiredAsync(console, cancellationToken);
                var client = session.Client;
                return await ApiCall.RunAsync(console, client, async () =>
                {
                    await client.WorkPools.DeleteWorkPoolAsync(parse.GetValue(NameArgument)!, cancellationToken).ConfigureAwait(false);
                    await console.Out.WriteLineAsync($"Deleted work pool '{parse.GetValue(NameArgument)}'.").ConfigureAwait(false);
                }).ConfigureAwait(false);
            });
        }
    }
}
