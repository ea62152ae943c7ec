using Flows.Cli;

return await CliApp.InvokeAsync(args, CliConsole.System);
