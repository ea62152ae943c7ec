using System.CommandLine;

namespace Flows.Cli.Commands;

/// <summary>The <c>-o text|json</c> option every listing takes, so scripts can parse results.</summary>
internal static class OutputOption
{
    public static Option<string> Create()
    {
        var option = new Option<string>("--output", "-o") { Description = "Output format.", DefaultValueFactory = _ => "text" };
        option.AcceptOnlyFromAmong("text", "json");
        return option;
    }
}
