using System.CommandLine;
using Flows.Cli.Commands;
using Flows.Deploy.Diagnostics;

namespace Flows.Cli;

/// <summary>The root command and its verbs; <see cref="InvokeAsync"/> is what Program and the tests run.</summary>
public static class CliApp
{
    public static RootCommand Build(CliConsole console)
    {
        var root = new RootCommand("flows-deploy: deploy C# flows to a Prefect-compatible server (this project's, Prefect server or Prefect Cloud).");
        root.Subcommands.Add(new DeployCommand(console));
        root.Subcommands.Add(new DeploymentCommand(console));
        root.Subcommands.Add(new FlowRunCommand(console));
        root.Subcommands.Add(new WorkPoolCommand(console));
        root.Subcommands.Add(new ServerCommand(console));
        root.Subcommands.Add(new WorkerCommand(console));
        root.Subcommands.Add(new DevCommand(console));
        return root;
    }

    /// <summary>Parses and runs; a command line that does not parse is bad input (exit 2), as a bad file is.</summary>
    public static async Task<int> InvokeAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        var parse = Build(console).Parse(args);
        if (parse.Errors.Count > 0)
        {
            console.Report(parse.Errors.Select(e => new DeployDiagnostic(CliDiagnosticCodes.CommandLineInvalid, true, e.Message.TrimEnd('.'), "Run 'flows-deploy deploy --help' for the options.")));
            return ExitCodes.BadInput;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error }, cancellationToken).ConfigureAwait(false);
    }
}
